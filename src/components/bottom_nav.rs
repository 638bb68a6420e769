use leptos::prelude::*;
use leptos_router::components::A;

/// The sections, always at the bottom of the screen, each with a word as well as an icon.
#[component]
pub fn BottomNav() -> impl IntoView {
    view! {
        <nav class="bottom-nav" aria-label="Sections">
            <A href="/" exact=true>
                <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="4"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1 7 17M17 7l2.1-2.1"/></svg>
                <span>"Today"</span>
            </A>
            <A href="/mood">
                <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M8 14.5c1 1.3 2.4 2 4 2s3-.7 4-2M9 9.5h.01M15 9.5h.01"/></svg>
                <span>"Mood"</span>
            </A>
            <A href="/activity">
                <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="13" cy="4" r="2"/><path d="M7 21l3-6 3 3v4M10 15l1-5 4 3 3-1M11 10l-3 1-2 3"/></svg>
                <span>"Activity"</span>
            </A>
            <A href="/plan">
                <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 3v18M12 5h6l2 2.5L18 10h-6M12 12H6l-2 2.5L6 17h6"/></svg>
                <span>"Plan"</span>
            </A>
            <A href="/data">
                <svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><ellipse cx="12" cy="6" rx="7" ry="3"/><path d="M5 6v12c0 1.7 3.1 3 7 3s7-1.3 7-3V6M5 12c0 1.7 3.1 3 7 3s7-1.3 7-3"/></svg>
                <span>"My data"</span>
            </A>
        </nav>
    }
}
