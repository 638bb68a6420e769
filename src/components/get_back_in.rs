use crate::service::use_service;
use leptos::prelude::*;

/// How to get back into Talking Therapies, from the hosting service's configuration.
#[component]
pub fn GetBackIn() -> impl IntoView {
    let service = use_service();
    view! {
        {move || {
            let config = service.config.get();
            let referral = config.self_referral.clone();
            view! {
                <p>{format!("You can contact {} again yourself. You do not need to ask your GP first.", config.service_name)}</p>
                <div class="actions">
                    {referral.url.map(|url| view! { <a class="button-link" href=url rel="noopener">"Refer yourself online"</a> })}
                    {referral
                        .phone_href
                        .zip(referral.phone)
                        .map(|(href, phone)| view! { <a class="button-link quiet" href=href>{format!("Call {phone}")}</a> })}
                </div>
                {referral.hours.map(|hours| view! { <p class="hint">{hours}</p> })}
            }
        }}
    }
}

/// The service's own text on what happens after therapy ends.
#[component]
pub fn AfterTherapyText() -> impl IntoView {
    let service = use_service();
    view! {
        {move || {
            service
                .config
                .with(|c| c.after_therapy.split("\n\n").map(|p| p.to_owned()).collect::<Vec<_>>())
                .into_iter()
                .map(|paragraph| view! { <p>{paragraph}</p> })
                .collect_view()
        }}
    }
}
