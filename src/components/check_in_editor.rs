//! Changing one check-in: its mood, time, tags and note.
use crate::browser::clock;
use crate::components::mood_face::MoodFace;
use crate::state::use_app_state;
use leptos::prelude::*;
use waymark_core::Record;
use waymark_core::mood::{
    CheckIn, CustomTag, DEFAULT_TAGS, MoodLevel, NOTE_MAX_CHARS, TAG_MAX_CHARS, clean_tag,
};

/// Changes one check-in: the mood, when it was, tags and a note. Saves only when the person says so.
#[component]
pub fn CheckInEditor(
    record: Record<CheckIn>,
    /// Called after saving or cancelling.
    #[prop(into)]
    on_done: Callback<()>,
) -> impl IntoView {
    let state = use_app_state();
    let draft = RwSignal::new(record.data.clone());
    let new_tag = RwSignal::new(String::new());
    let tag_error = RwSignal::new(None::<String>);
    let id = record.id.to_string();
    let field = move |name: &str| format!("{name}-{id}");
    let tag_error_id = field("tag-error");
    let (when_id, note_id, count_id, tag_input_id, tags_label_id, mood_label_id) = (
        field("when"),
        field("note"),
        field("note-count"),
        field("new-tag"),
        field("tags-label"),
        field("mood-label"),
    );

    // Every tag on offer: the defaults, the person's own, and any already on this check-in.
    // A memo: typing a note or pressing a tag must not rebuild the buttons (and lose keyboard focus).
    let tags_on_offer = Memo::new(move |_| {
        let mut tags: Vec<String> = DEFAULT_TAGS.iter().map(|t| t.to_string()).collect();
        state
            .custom_tags
            .with(|c| tags.extend(c.live().map(|t| t.data.name.clone())));
        draft.with(|d| tags.extend(d.tags.iter().cloned()));
        let mut seen = std::collections::BTreeSet::new();
        tags.retain(|t| seen.insert(t.clone()));
        tags
    });
    let add_tag = move || match clean_tag(&new_tag.get_untracked()) {
        Ok(name) => {
            let known = tags_on_offer.with_untracked(|tags| tags.contains(&name));
            if !known {
                let record = Record::new(
                    clock::new_id(),
                    clock::now(),
                    CustomTag { name: name.clone() },
                );
                if !state.save_custom_tag(record) {
                    return;
                }
            }
            draft.update(|d| {
                if !d.tags.contains(&name) {
                    d.tags.push(name);
                }
            });
            new_tag.set(String::new());
            tag_error.set(None);
        }
        Err(error) => tag_error.set(Some(error.to_string())),
    };
    let save = {
        let record = record.clone();
        move |_| {
            let mut record = record.clone();
            let changed = draft.get_untracked();
            record.edit(clock::now(), |data| *data = changed);
            if state.save_check_in(record) {
                on_done.run(());
            }
        }
    };

    view! {
        <div class="editor">
            <p class="field-label" id=mood_label_id.clone()>"How you felt"</p>
            <div class="mood-options compact" role="group" aria-labelledby=mood_label_id>
                {MoodLevel::ALL
                    .map(|mood| {
                        view! {
                            <button
                                type="button"
                                class="mood-option"
                                aria-pressed=move || (draft.with(|d| d.mood) == mood).to_string()
                                on:click=move |_| draft.update(|d| d.mood = mood)
                            >
                                <MoodFace mood=mood/>
                                <span>{mood.label()}</span>
                            </button>
                        }
                    })}
            </div>

            <label class="field-label" for=when_id.clone()>"When"</label>
            <input
                id=when_id
                type="datetime-local"
                max=clock::to_input_value(clock::now())
                prop:value=move || clock::to_input_value(draft.with(|d| d.at))
                on:change=move |ev| {
                    if let Some(at) = clock::from_input_value(&event_target_value(&ev)) {
                        draft.update(|d| d.at = at.min(clock::now()));
                    }
                }
            />

            <p class="field-label" id=tags_label_id.clone()>"Tags"</p>
            <div class="tags" role="group" aria-labelledby=tags_label_id>
                {move || {
                    tags_on_offer
                        .get()
                        .into_iter()
                        .map(|tag| {
                            let on = {
                                let tag = tag.clone();
                                move || draft.with(|d| d.tags.contains(&tag)).to_string()
                            };
                            let toggle = {
                                let tag = tag.clone();
                                move |_| draft.update(|d| {
                                    d.toggle_tag(&tag);
                                })
                            };
                            view! {
                                <button type="button" class="tag" aria-pressed=on on:click=toggle>
                                    {tag}
                                </button>
                            }
                        })
                        .collect_view()
                }}
            </div>
            <div class="add-tag">
                <label for=tag_input_id.clone()>"Add your own tag"</label>
                <input
                    id=tag_input_id
                    type="text"
                    maxlength=TAG_MAX_CHARS
                    aria-describedby=tag_error_id.clone()
                    aria-invalid=move || tag_error.with(Option::is_some).then_some("true")
                    prop:value=move || new_tag.get()
                    on:input=move |ev| new_tag.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            add_tag();
                        }
                    }
                />
                <button type="button" class="button-quiet" on:click=move |_| add_tag()>"Add tag"</button>
                <p class="field-error" id=tag_error_id role="alert">{move || tag_error.get()}</p>
            </div>

            <label class="field-label" for=note_id.clone()>"Note (optional)"</label>
            <textarea
                id=note_id
                rows="3"
                maxlength=NOTE_MAX_CHARS
                aria-describedby=count_id.clone()
                prop:value=move || draft.with(|d| d.note.clone())
                on:input=move |ev| draft.update(|d| d.set_note(&event_target_value(&ev)))
            ></textarea>
            <p class="hint" id=count_id>
                {move || format!("{} of {NOTE_MAX_CHARS} characters", draft.with(|d| d.note.chars().count()))}
            </p>

            <div class="actions">
                <button type="button" on:click=save>"Save"</button>
                <button type="button" class="button-quiet" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </div>
    }
}
