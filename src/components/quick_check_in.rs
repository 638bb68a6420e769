//! Today's one-tap check-in, with Undo and a way to add a note, tags or an earlier time.
use crate::browser::clock;
use crate::components::check_in_editor::CheckInEditor;
use crate::components::mood_face::MoodFace;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::calendar::local_date;
use waymark_core::mood::{CheckIn, MoodLevel};
use waymark_core::plan::current;
use waymark_core::{Record, RecordId, Timestamp};

/// What the last tap did, for the quiet confirmation line.
#[derive(Clone, PartialEq)]
enum Feedback {
    Saved {
        id: RecordId,
        mood: MoodLevel,
        at: waymark_core::Timestamp,
    },
    Undone,
}

/// One tap records how the person feels now; a quiet line confirms it and offers undo.
#[component]
pub fn QuickCheckIn() -> impl IntoView {
    let state = use_app_state();
    let feedback = RwSignal::new(None::<Feedback>);
    let editing = RwSignal::new(false);

    let check_in = move |mood: MoodLevel| {
        let now = clock::now();
        let record = Record::new(clock::new_id(), now, CheckIn::new(mood, now));
        let id = record.id.clone();
        if state.save_check_in(record) {
            feedback.set(Some(Feedback::Saved { id, mood, at: now }));
            editing.set(false);
        }
    };
    let saved_record = move || match feedback.get() {
        Some(Feedback::Saved { id, .. }) => state.check_ins.with_untracked(|c| c.get(&id).cloned()),
        _ => None,
    };
    let undo = move |_| {
        let Some(Feedback::Saved { id, .. }) = feedback.get_untracked() else {
            return;
        };
        let Some(mut record) = state.check_ins.with_untracked(|c| c.get(&id).cloned()) else {
            return;
        };
        record.delete(clock::now());
        if state.save_check_in(record) {
            feedback.set(Some(Feedback::Undone));
            editing.set(false);
        }
    };

    view! {
        <section class="card check-in" aria-labelledby="check-in-title">
            <h2 id="check-in-title">"How are you feeling right now?"</h2>
            <div class="mood-options" role="group" aria-labelledby="check-in-title">
                {MoodLevel::ALL
                    .map(|mood| {
                        view! {
                            <button type="button" class="mood-option" on:click=move |_| check_in(mood)>
                                <MoodFace mood=mood/>
                                <span>{mood.label()}</span>
                            </button>
                        }
                    })}
            </div>
            <div class="check-in-feedback">
                <p role="status">
                    {move || match feedback.get() {
                        Some(Feedback::Saved { id, mood, at }) => {
                            // As the check-in is now: "Add a note or tags" may have changed its mood or time.
                            let (mood, at) = state
                                .check_ins
                                .with(|c| c.get(&id).map(|r| (r.data.mood, r.data.at)))
                                .unwrap_or((mood, at));
                            if local_date(at, &clock::BrowserZone) == clock::today() {
                                format!("Saved: {} at {}.", mood.label(), clock::format_time(at))
                            } else {
                                format!("Saved: {}, {}.", mood.label(), clock::format_day_and_time(at))
                            }
                        }
                        Some(Feedback::Undone) => "Check-in removed.".to_owned(),
                        None => String::new(),
                    }}
                </p>
                <Show when=move || matches!(feedback.get(), Some(Feedback::Saved { .. })) && !editing.get()>
                    <button type="button" class="button-quiet" on:click=undo>"Undo"</button>
                    <button type="button" class="button-quiet" on:click=move |_| editing.set(true)>
                        "Add a note or tags"
                    </button>
                </Show>
            </div>
            // Staying-well rule 8: after a check-in that makes four low days in the last seven, a gentle pointer to
            // Help now and the person's own plan (wording from shared/design/staying-well.md and crisis.md).
            {move || {
                let saved = matches!(feedback.get(), Some(Feedback::Saved { .. }));
                // Eight days back covers the last seven local days in any time zone.
                let week = || state.mood_days_since(Timestamp(clock::now().0 - 8 * 24 * 60 * 60 * 1000));
                (saved && week().hard_week(clock::today()))
                    .then(|| {
                        let own_words = state.staying_well.with(|c| {
                            current(c.all())
                                .map(|r| r.data.if_signs_return.trim().to_owned())
                                .filter(|text| !text.is_empty())
                        });
                        view! {
                            <div class="hard-week">
                                <p>"A hard week doesn't undo what you learned."</p>
                                {own_words
                                    .map(|text| {
                                        view! {
                                            <p>"You wrote this for a time like now:"</p>
                                            <blockquote class="pre-wrap">{text}</blockquote>
                                        }
                                    })}
                                <p>
                                    <A href="/plan/staying-well">"Your staying-well plan"</A>
                                    " is there whenever you need it."
                                </p>
                                <p>
                                    "If you need help now, you can contact someone straight away. "
                                    <A href="/help">"Help now"</A>
                                </p>
                            </div>
                        }
                    })
            }}
            {move || {
                editing
                    .get()
                    .then(saved_record)
                    .flatten()
                    .map(|record| view! { <CheckInEditor record=record on_done=move |_| editing.set(false)/> })
            }}
        </section>
    }
}
