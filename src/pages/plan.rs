use crate::app::set_page_title;
use leptos::prelude::*;
use leptos_router::components::A;

/// Plan: next steps, services, the staying-well plan and the way back into care (not built yet, and it says so).
#[component]
pub fn PlanPage() -> impl IntoView {
    set_page_title("Plan");
    view! {
        <h1 tabindex="-1">"Plan"</h1>
        <section class="card">
            <h2>"Coming soon"</h2>
            <p>
                "Here you will keep your next steps with the services you were told about, your staying-well plan, "
                "and how to get back in touch with Talking Therapies after your therapy ends."
            </p>
            <p>"If you need help now, " <A href="/help">"see who you can contact"</A> "."</p>
        </section>
    }
}
