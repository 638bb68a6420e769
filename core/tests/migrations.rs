//! Every stored form ever released loads, through the real repository, as the current version reads it.

use std::path::PathBuf;
use waymark_core::mood::{CheckIn, CustomTag};
use waymark_core::questionnaire::QuestionnaireResponse;
use waymark_core::repository::record_key;
use waymark_core::schema::decode;
use waymark_core::{MemoryStore, Record, RecordKind, Repository, Timestamp};

fn fixture_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

fn check_every_version_loads<K: RecordKind + PartialEq + std::fmt::Debug>() {
    let dir = fixture_dir(K::KIND);
    let expected_text = std::fs::read_to_string(dir.join("expected.json"))
        .unwrap_or_else(|_| panic!("{}: add tests/fixtures/{}/expected.json", K::KIND, K::KIND));
    let expected: Record<K> =
        serde_json::from_str(&expected_text).expect("expected.json is a current record");
    for version in 1..=K::VERSION {
        let path = dir.join(format!("v{version}.json"));
        let stored = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{}: no fixture for schema v{version} at {}",
                K::KIND,
                path.display()
            )
        });
        assert_eq!(
            decode::<K>(&stored).unwrap().stored_version,
            version,
            "{} is not v{version}",
            path.display()
        );

        let store = MemoryStore::new();
        let repo = Repository::new(&store);
        let key = record_key(K::KIND, &expected.id);
        waymark_core::KeyValueStore::set(&store, &key, &stored).unwrap();
        let loaded = repo.load_all::<K>(Timestamp(0));
        assert!(
            loaded.problems.is_empty(),
            "{}: {:?}",
            path.display(),
            loaded.problems
        );
        assert_eq!(loaded.records, vec![expected.clone()], "{}", path.display());
        // Loading an older version never rewrites it behind the person's back.
        assert_eq!(store.snapshot().get(&key), Some(&stored));
    }
}

#[test]
fn mood_check_ins_load_from_every_version() {
    check_every_version_loads::<CheckIn>();
}

#[test]
fn custom_tags_load_from_every_version() {
    check_every_version_loads::<CustomTag>();
}

#[test]
fn questionnaires_load_from_every_version() {
    check_every_version_loads::<QuestionnaireResponse>();
}

#[test]
fn activity_sessions_load_from_every_version() {
    check_every_version_loads::<waymark_core::activity::Session>();
}

#[test]
fn activity_goals_load_from_every_version() {
    check_every_version_loads::<waymark_core::activity::Goal>();
}

#[test]
fn settings_load_from_every_version() {
    check_every_version_loads::<waymark_core::settings::Settings>();
}

#[test]
fn plan_steps_load_from_every_version() {
    check_every_version_loads::<waymark_core::plan::PlanStep>();
}

#[test]
fn staying_well_plans_load_from_every_version() {
    check_every_version_loads::<waymark_core::plan::StayingWellPlan>();
}

#[test]
fn therapy_statuses_load_from_every_version() {
    check_every_version_loads::<waymark_core::plan::TherapyStatus>();
}
