//! Find a service: the services directory by need and by word, each with its contacts and "Add to my plan".
use crate::app::set_page_title;
use crate::browser::clock;
use crate::service::use_service;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::Record;
use waymark_core::directory::{DirectoryService, Need};
use waymark_core::plan::{PlanStep, order_between};

/// Services people are signposted to: browse by need, search by word, contact, and add to the plan.
#[component]
pub fn ServicesPage() -> impl IntoView {
    set_page_title("Find a service");
    let service = use_service();
    let state = use_app_state();
    service.load_directory();
    let need = RwSignal::new(None::<Need>);
    let words = RwSignal::new(String::new());
    let added = RwSignal::new(None::<String>);

    let results = move || {
        service.directory.with(|chosen| {
            let Some(chosen) = chosen else {
                return Vec::new();
            };
            let words = words.get();
            let mut found: Vec<DirectoryService> = if words.trim().is_empty() {
                chosen.directory.services.to_vec()
            } else {
                chosen
                    .directory
                    .search(&words)
                    .into_iter()
                    .cloned()
                    .collect()
            };
            if let Some(need) = need.get() {
                found.retain(|s| s.needs.contains(&need));
            }
            found
        })
    };
    let add = move |found: DirectoryService| {
        let last = state
            .plan_steps
            .with_untracked(|c| c.live().map(|r| r.data.order).max());
        if let Ok(step) = PlanStep::contact(&found, order_between(last, None))
            && state.save_plan_step(Record::new(clock::new_id(), clock::now(), step))
        {
            added.set(Some(format!("Added to your plan: contact {}.", found.name)));
        }
    };

    view! {
        <h1 tabindex="-1">"Find a service"</h1>
        <p><A href="/plan">"Back to your plan"</A></p>
        {move || service.directory.with(|d| d.as_ref().and_then(|d| d.message)).map(|m| view! { <p class="review-prompt">{m}</p> })}
        <section class="card" aria-labelledby="browse-title">
            <h2 id="browse-title">"What do you need help with?"</h2>
            <div class="tags" role="group" aria-labelledby="browse-title">
                {Need::ALL
                    .into_iter()
                    .filter(|n| *n != Need::Other)
                    .map(|choice| {
                        view! {
                            <button
                                type="button"
                                class="tag"
                                aria-pressed=move || (need.get() == Some(choice)).to_string()
                                on:click=move |_| need.update(|n| *n = if *n == Some(choice) { None } else { Some(choice) })
                            >
                                {choice.label()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <label class="field-label" for="service-search">"Or search"</label>
            <input
                id="service-search"
                type="search"
                prop:value=move || words.get()
                on:input=move |ev| words.set(event_target_value(&ev))
            />
        </section>
        // A search with a need chosen looks only at that need: say so, and offer every need.
        <div class="history-status">
            <p role="status">
                {move || {
                    let need = need.get()?;
                    (!words.with(|w| w.trim().is_empty()))
                        .then(|| format!("Searching only in “{}”.", need.label()))
                }}
            </p>
            <Show when=move || need.get().is_some() && !words.with(|w| w.trim().is_empty())>
                <button type="button" class="button-quiet" on:click=move |_| need.set(None)>"Search every need"</button>
            </Show>
        </div>
        <p role="status">{move || added.get()}</p>
        <ul class="services">
            {move || {
                let found = results();
                if service.directory.with(Option::is_none) {
                    return view! { <li>"Loading the list of services…"</li> }.into_any();
                }
                if found.is_empty() {
                    return view! { <li>"No services match. Try fewer words, or another need."</li> }.into_any();
                }
                found
                    .into_iter()
                    .map(|found| {
                        let to_add = found.clone();
                        view! {
                            <li class="card service">
                                <h2>{found.name.clone()}</h2>
                                {found
                                    .organization_name
                                    .clone()
                                    .filter(|o| *o != found.name)
                                    .map(|o| view! { <p class="hint">{o}</p> })}
                                <p>{found.description.clone()}</p>
                                <div class="actions">
                                    {found
                                        .phones
                                        .iter()
                                        .map(|p| view! { <a class="button-link" href=p.href.clone()>{format!("Call {}", p.number)}</a> })
                                        .collect_view()}
                                    {found
                                        .sms
                                        .clone()
                                        .map(|p| view! { <a class="button-link" href=p.href>{format!("Text {}", p.number)}</a> })}
                                    {found
                                        .url
                                        .clone()
                                        .map(|url| view! { <a class="button-link quiet" href=url rel="noopener">"Website"</a> })}
                                    <button type="button" class="button-quiet" on:click=move |_| add(to_add.clone())>
                                        "Add to my plan"
                                    </button>
                                </div>
                                {found
                                    .last_checked
                                    .map(|d| view! { <p class="hint">{format!("Details last checked {}.", clock::format_date(d))}</p> })}
                            </li>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </ul>
    }
}
