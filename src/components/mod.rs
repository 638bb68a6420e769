//! Pieces of the shell and of pages, one component per file.

pub mod backup_restore;
pub mod bottom_nav;
pub mod check_in_editor;
pub mod continuing_care;
pub mod delete_everything;
pub mod get_back_in;
pub mod goal_progress;
pub mod help_contacts;
pub mod mood_face;
pub mod mood_history;
pub mod mood_trend;
pub mod plan_step_item;
pub mod qr_code;
pub mod questionnaire_chart;
pub mod quick_check_in;
pub mod reminders;
pub mod session_form;
pub mod site_header;
pub mod status_banners;
pub mod support_now;
