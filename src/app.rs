//! The app shell: header with Help now, the page, and the bottom navigation, around the router.

use crate::components::{
    bottom_nav::BottomNav, site_header::SiteHeader, status_banners::StatusBanners,
};
use crate::pages::{
    activity::ActivityPage, goal_form::GoalFormPage, help_now::HelpNowPage, mood::MoodPage,
    my_data::MyDataPage, not_found::NotFoundPage, plan::PlanPage, questionnaire::QuestionnairePage,
    questionnaire_results::QuestionnaireResultsPage, services::ServicesPage,
    staying_well::StayingWellPage, summary::SummaryPage, sync::SyncPage, today::TodayPage,
};
use crate::service::provide_service;
use crate::state::provide_app_state;
use crate::sync::provide_sync;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let state = provide_app_state();
    provide_sync(state);
    provide_service();
    view! {
        <Router>
            <SiteHeader/>
            <StatusBanners/>
            <main id="main" class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=TodayPage/>
                    <Route path=path!("/mood") view=MoodPage/>
                    <Route path=path!("/mood/questionnaire") view=QuestionnairePage/>
                    <Route path=path!("/mood/results") view=QuestionnaireResultsPage/>
                    <Route path=path!("/activity") view=ActivityPage/>
                    <Route path=path!("/activity/goal/:id") view=GoalFormPage/>
                    <Route path=path!("/plan") view=PlanPage/>
                    <Route path=path!("/plan/services") view=ServicesPage/>
                    <Route path=path!("/plan/staying-well") view=StayingWellPage/>
                    <Route path=path!("/data") view=MyDataPage/>
                    <Route path=path!("/data/summary") view=SummaryPage/>
                    <Route path=path!("/data/sync") view=SyncPage/>
                    <Route path=path!("/help") view=HelpNowPage/>
                </Routes>
            </main>
            <BottomNav/>
            <FocusOnNavigate/>
        </Router>
    }
}

/// After moving to another page, puts keyboard and screen-reader focus on the new page's heading.
#[component]
fn FocusOnNavigate() -> impl IntoView {
    let location = use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            request_animation_frame(|| {
                let heading = document().query_selector("main h1").ok().flatten();
                if let Some(heading) = heading
                    .and_then(|h| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(h).ok())
                {
                    let _ = heading.focus();
                }
            });
        }
        path
    });
}

/// Sets the browser tab's title for a page.
pub fn set_page_title(page: &str) {
    document().set_title(&format!("{page} – Waymark"));
}
