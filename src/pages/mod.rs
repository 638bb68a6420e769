//! One file per screen.

pub mod activity;
pub mod goal_form;
pub mod help_now;
pub mod mood;
pub mod my_data;
pub mod not_found;
pub mod plan;
pub mod questionnaire;
pub mod questionnaire_results;
pub mod services;
pub mod staying_well;
pub mod summary;
pub mod sync;
pub mod today;
