//! The hosting service's configuration and its services directory, loaded from files served beside the app.
//!
//! Both are precached by the service worker, so they work offline. A bad configuration gives the defaults and a
//! message, never a blank screen; a directory that cannot be loaded falls back to the last good copy, then to the
//! bundled national list.

use crate::browser::{fetch, local_store::LocalStore};
use leptos::prelude::*;
use waymark_core::KeyValueStore;
use waymark_core::directory::{self, ChosenDirectory, Directory};
use waymark_core::service_config::{self, ServiceConfig};

const CONFIG_URL: &str = "/service-config.json";
const BUNDLED_DIRECTORY_URL: &str = "/directory/national.json";
/// The last good copy of the service's own directory (not personal data; "delete everything" removes it too).
const DIRECTORY_CACHE_KEY: &str = "waymark.cache.directory";

#[derive(Clone, Copy)]
pub struct Service {
    pub config: RwSignal<ServiceConfig>,
    /// Why the configuration file could not be used, for the person.
    pub config_problem: RwSignal<Option<&'static str>>,
    /// The directory, once loaded (on first use).
    pub directory: RwSignal<Option<ChosenDirectory>>,
}

pub fn use_service() -> Service {
    expect_context::<Service>()
}

/// Starts with the defaults, then loads the service's configuration file.
pub fn provide_service() -> Service {
    let service = Service {
        config: RwSignal::new(ServiceConfig::default()),
        config_problem: RwSignal::new(None),
        directory: RwSignal::new(None),
    };
    provide_context(service);
    leptos::task::spawn_local(async move {
        let text = fetch::text(CONFIG_URL).await.ok();
        let (config, problem) = service_config::load_or_default(text.as_deref());
        service.config.set(config);
        service
            .config_problem
            .set(problem.map(|p| p.message_for_person()));
    });
    service
}

impl Service {
    /// Loads the directory the first time it is needed.
    pub fn load_directory(&self) {
        if self.directory.with_untracked(Option::is_some) {
            return;
        }
        let service = *self;
        leptos::task::spawn_local(async move {
            let bundled = match fetch::text(BUNDLED_DIRECTORY_URL).await {
                Ok(text) => directory::parse_directory(&text).unwrap_or_default(),
                Err(_) => Directory::default(),
            };
            let own_url = service.config.with_untracked(|c| c.directory.url.clone());
            let chosen = match own_url {
                None => ChosenDirectory {
                    directory: bundled,
                    origin: directory::DirectoryOrigin::Bundled,
                    message: None,
                },
                Some(url) => {
                    let fetched = match fetch::text(&url).await {
                        Ok(text) => directory::parse_directory(&text).map(|d| (d, text)),
                        Err(reason) => Err(directory::DirectoryError::NotFetched(reason)),
                    };
                    let last_good = LocalStore
                        .get(DIRECTORY_CACHE_KEY)
                        .ok()
                        .flatten()
                        .and_then(|text| directory::parse_directory(&text).ok());
                    if let Ok((_, text)) = &fetched {
                        // Not personal data: if storage is full the saved copy is simply not updated.
                        let _ = LocalStore.set(DIRECTORY_CACHE_KEY, text);
                    }
                    directory::choose_directory(bundled, fetched.map(|(d, _)| d), last_good)
                }
            };
            service.directory.set(Some(chosen));
        });
    }
}
