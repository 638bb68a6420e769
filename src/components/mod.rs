//! Pieces of the shell and of pages, one component per file.

pub mod bottom_nav;
pub mod mood_face;
pub mod quick_check_in;
pub mod site_header;
pub mod status_banners;
