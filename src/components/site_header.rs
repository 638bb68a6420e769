use leptos::prelude::*;
use leptos_router::components::A;

/// The top bar on every screen: a skip link, the app's name and the Help-now button.
#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <A href="/" attr:class="brand">"Waymark"</A>
            <A href="/help" attr:class="help-now-link">"Help now"</A>
        </header>
    }
}
