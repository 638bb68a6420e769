//! The staying-well plan: its sections to write, save, print, and how to get back in.
use crate::app::set_page_title;
use crate::browser::files;
use crate::components::get_back_in::GetBackIn;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::plan::{SECTIONS, current};

/// The staying-well plan: the sections made with a therapist near the end of therapy, editable any time,
/// readable offline, and printable on a page or two.
#[component]
pub fn StayingWellPage() -> impl IntoView {
    set_page_title("My staying-well plan");
    let state = use_app_state();
    let saved = RwSignal::new(None::<String>);
    let text_of = move |id: &'static str| {
        state.staying_well.with(|c| {
            current(c.all())
                .and_then(|r| r.data.get(id).map(str::to_owned))
                .unwrap_or_default()
        })
    };
    view! {
        <h1 tabindex="-1">"My staying-well plan"</h1>
        <p class="no-print"><A href="/plan">"Back to your plan"</A></p>
        <p class="no-print">"Write in your own words. Waymark saves each part when you leave it."</p>
        {SECTIONS
            .map(|section| {
                let field = format!("well-{}", section.id);
                // This section's saved words only: a save of another section (here, in another tab or by sync) does
                // not touch what is being typed in this one.
                let stored = Memo::new(move |_| text_of(section.id));
                view! {
                    <section class="card well-section">
                        <h2><label for=field.clone()>{section.heading}</label></h2>
                        <p class="hint no-print">{section.prompt}</p>
                        <textarea
                            id=field
                            rows="4"
                            maxlength="2000"
                            prop:value=move || stored.get()
                            on:change=move |ev| {
                                let text = event_target_value(&ev);
                                let mut problem = None;
                                let ok = state
                                    .update_staying_well(|plan| {
                                        if let Err(e) = plan.set(section.id, &text) {
                                            problem = Some(e.to_string());
                                        }
                                    });
                                saved.set(Some(match problem {
                                    Some(p) => p,
                                    None if ok => format!("Saved: {}.", section.heading),
                                    None => String::new(),
                                }));
                            }
                        ></textarea>
                        <p class="print-only">{move || stored.get()}</p>
                    </section>
                }
            })}
        <section class="card" aria-labelledby="back-in-title">
            <h2 id="back-in-title">"How to get back into Talking Therapies"</h2>
            <GetBackIn/>
        </section>
        <p role="status" class="no-print">{move || saved.get()}</p>
        <div class="actions no-print">
            <button type="button" on:click=move |_| files::print()>"Print or save as PDF"</button>
        </div>
    }
}
