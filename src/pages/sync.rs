use crate::app::set_page_title;
use crate::components::sync_manage::SyncManage;
use crate::components::sync_setup::{RecoveryCodeStep, ShareCode, SyncJoin, SyncSetUp};
use crate::sync::use_sync;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use waymark_core::sync::codes::JOIN_PARAMETER;

/// Where the sync screen is.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Off: what sync is, and the two ways to start.
    Choose,
    SetUp,
    Join,
    /// Just set up: the recovery code, shown once.
    Recovery(String),
    /// Just set up: how to add the next device.
    Share,
    /// On.
    Manage,
}

/// Puts keyboard and screen-reader focus on an element by id, once it is on the page.
pub fn focus_id(id: &'static str) {
    request_animation_frame(move || {
        if let Some(element) = document()
            .get_element_by_id(id)
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = element.focus();
        }
    });
}

/// The id of each step's heading, which takes focus when the step changes.
pub const STEP_HEADING: &str = "sync-step";

/// "Sync between my devices": `/data/sync`, and `/data/sync?join=<sync code>` from a join link or QR code.
#[component]
pub fn SyncPage() -> impl IntoView {
    set_page_title("Sync between my devices");
    let sync = use_sync();
    let join_code = use_query_map().with_untracked(|q| q.get(JOIN_PARAMETER));
    let first = if sync.is_on() {
        Step::Manage
    } else if join_code.is_some() {
        Step::Join
    } else {
        Step::Choose
    };
    let step = RwSignal::new(first);
    // What happened last (turned off, deleted), said on the next step.
    let notice = RwSignal::new(None::<String>);
    // Sync went off while an "on" step was showing (here, in another tab, or by deleting everything).
    Effect::new(move |_| {
        let on = sync.membership.with(Option::is_some);
        let showing_on = matches!(
            step.get_untracked(),
            Step::Manage | Step::Recovery(_) | Step::Share
        );
        if !on && showing_on {
            step.set(Step::Choose);
        } else if on && step.get_untracked() == Step::Choose {
            step.set(Step::Manage);
        }
    });
    // Each new step's heading takes focus, so the next thing read is where the person now is.
    Effect::new(move |previous: Option<Step>| {
        let now = step.get();
        if previous.is_some_and(|p| std::mem::discriminant(&p) != std::mem::discriminant(&now)) {
            focus_id(STEP_HEADING);
            // The notice is about turning sync off: it goes once another step is showing.
            if now != Step::Choose {
                notice.set(None);
            }
        }
        now
    });
    let code = join_code.unwrap_or_default();

    view! {
        <div class="sync-page">
        <h1 tabindex="-1">"Sync between my devices"</h1>
        <p class="back-link">
            <A href="/data">"Back to My data"</A>
        </p>
        // What happened last (turned off, deleted). Always on the page, so the text set into it is announced.
        <div role="status">{move || notice.get().map(|words| view! { <p>{words}</p> })}</div>
        {move || match step.get() {
            Step::Choose => view! { <SyncIntro step=step notice=notice/> }.into_any(),
            Step::SetUp => view! { <SyncSetUp step=step/> }.into_any(),
            Step::Join => view! { <SyncJoin step=step code=code.clone()/> }.into_any(),
            Step::Recovery(code) => view! { <RecoveryCodeStep step=step code=code/> }.into_any(),
            Step::Share => {
                view! {
                    <section class="card" aria-labelledby=STEP_HEADING>
                        <h2 id=STEP_HEADING tabindex="-1">"Add your next device"</h2>
                        <ShareCode/>
                        <div class="actions">
                            <button type="button" on:click=move |_| step.set(Step::Manage)>"Done"</button>
                        </div>
                    </section>
                }
                    .into_any()
            }
            Step::Manage => view! { <SyncManage step=step notice=notice/> }.into_any(),
        }}
        </div>
    }
}

/// Sync is off: what it does, in plain words, and the way in for the first device and for the next ones.
#[component]
fn SyncIntro(step: RwSignal<Step>, notice: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby=STEP_HEADING>
            <h2 id=STEP_HEADING tabindex="-1">"Keep Waymark the same on all your devices"</h2>
            <p>
                "Sync is off. Your data is only on this device. Sync lets you use Waymark on your phone and on "
                "another device, such as a tablet or computer, and see the same check-ins, plans and goals on each."
            </p>
            <ul class="plain-list bullets">
                <li>
                    "Your data is scrambled (encrypted) on this device before it is sent. The sync server only ever "
                    "holds scrambled data. Nobody there can read it."
                </li>
                <li>"You choose a passphrase. You need it to add each new device."</li>
                <li>"You also get a recovery code, in case you forget the passphrase."</li>
                <li>
                    "If you lose both the passphrase and the recovery code, nobody can unscramble the copy on the "
                    "server, not even us. The data on this device stays as it is."
                </li>
            </ul>
            <p>"Sync is optional. Waymark works fully without it."</p>
        </section>
        <section class="card" aria-labelledby="sync-first-title">
            <h2 id="sync-first-title">"Is this your first device?"</h2>
            <p>"Set up sync here, then add your other devices."</p>
            <button type="button" on:click=move |_| {
                notice.set(None);
                step.set(Step::SetUp);
            }>"Set up sync"</button>
        </section>
        <section class="card" aria-labelledby="sync-join-title">
            <h2 id="sync-join-title">"Already syncing on another device?"</h2>
            <p>"Join with the sync code from that device and your passphrase."</p>
            <button type="button" on:click=move |_| {
                notice.set(None);
                step.set(Step::Join);
            }>"Join with a sync code"</button>
        </section>
    }
}
