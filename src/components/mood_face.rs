use leptos::prelude::*;
use waymark_core::mood::MoodLevel;

/// A simple drawn face for a mood level. Decorative: the words beside it carry the meaning.
#[component]
pub fn MoodFace(mood: MoodLevel) -> impl IntoView {
    // The mouth curves from a frown (very low) to a wide smile (very good).
    let mouth = match mood {
        MoodLevel::VeryLow => "M8 17c1.2-2 2.5-3 4-3s2.8 1 4 3",
        MoodLevel::Low => "M8.5 16.5c1-1 2.2-1.5 3.5-1.5s2.5.5 3.5 1.5",
        MoodLevel::Okay => "M8.5 15.5h7",
        MoodLevel::Good => "M8.5 14.5c1 1 2.2 1.5 3.5 1.5s2.5-.5 3.5-1.5",
        MoodLevel::VeryGood => "M8 14c1.2 2 2.5 3 4 3s2.8-1 4-3",
    };
    view! {
        <svg class="mood-face" viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="12" cy="12" r="10"/>
            <circle class="eye" cx="9" cy="9.5" r="1.2"/>
            <circle class="eye" cx="15" cy="9.5" r="1.2"/>
            <path d=mouth/>
        </svg>
    }
}
