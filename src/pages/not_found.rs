use crate::app::set_page_title;
use leptos::prelude::*;
use leptos_router::components::A;

/// Shown for an address the app does not have.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_page_title("Page not found");
    view! {
        <h1 tabindex="-1">"We could not find that page"</h1>
        <section class="card">
            <p>"The link may be old, or there may be a typing mistake in it."</p>
            <p><A href="/">"Go to Today"</A></p>
            <p>"If you need help now, " <A href="/help">"see who you can contact"</A> "."</p>
        </section>
    }
}
