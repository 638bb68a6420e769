use crate::app::set_page_title;
use crate::components::help_contacts::HelpContacts;
use crate::service::use_service;
use leptos::prelude::*;

/// Help now: who to contact, one tap to call or text. Works offline: it is part of the app.
#[component]
pub fn HelpNowPage() -> impl IntoView {
    set_page_title("Help now");
    let service = use_service();
    let local = move || {
        service
            .config
            .with(|c| (c.service_name.clone(), c.urgent_contacts.clone()))
    };
    view! {
        <h1 tabindex="-1">"Help now"</h1>
        <p class="lead">"If you need help now, you can contact someone straight away. You are not alone."</p>
        <HelpContacts/>
        {move || {
            let (name, contacts) = local();
            (!contacts.is_empty())
                .then(|| {
                    view! {
                        <h2>{format!("From {name}")}</h2>
                        <ul class="help-list">
                            {contacts
                                .into_iter()
                                .map(|c| {
                                    let link = c
                                        .phone_href
                                        .clone()
                                        .zip(c.phone.clone())
                                        .map(|(href, phone)| (href, format!("Call {phone}")))
                                        .or_else(|| c.sms_href.clone().zip(c.phone.clone()).map(|(href, phone)| (href, format!("Text {phone}"))))
                                        .or_else(|| c.url.clone().map(|url| (url, "Website".to_owned())));
                                    view! {
                                        <li class="help-contact">
                                            <h3>{c.when.clone()}</h3>
                                            <p class="help-name">{c.name.clone()}</p>
                                            {link.map(|(href, words)| view! { <a class="help-action" href=href>{words}</a> })}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })
        }}
    }
}
