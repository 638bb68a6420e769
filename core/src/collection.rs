//! The records of one kind as the app holds them in memory, kept in step with storage.
//!
//! The app's state wraps one `Collection` per record kind in a signal; every change goes through here, so the rules
//! (show only what storage holds, after [`crate::Device::save`]; a newer copy from another tab wins; storage
//! events reload one key) are tested natively.

use crate::record::{Record, RecordId, Timestamp};
use crate::repository::{self, Problem, Repository};
use crate::schema::RecordKind;
use crate::store::KeyValueStore;

#[derive(Clone, Debug, PartialEq)]
pub struct Collection<K> {
    records: Vec<Record<K>>,
}

impl<K> Default for Collection<K> {
    fn default() -> Self {
        Collection {
            records: Vec::new(),
        }
    }
}

impl<K: RecordKind> Collection<K> {
    /// Loads every record of this kind, with the problems found on the way.
    pub fn load<S: KeyValueStore>(repo: &Repository<S>, now: Timestamp) -> (Self, Vec<Problem>) {
        let loaded = repo.load_all::<K>(now);
        (
            Collection {
                records: loaded.records,
            },
            loaded.problems,
        )
    }

    /// Like [`Collection::load`], from records already read with [`Repository::stored_records`].
    pub fn load_from<S: KeyValueStore>(
        repo: &Repository<S>,
        stored: &repository::StoredRecords,
        now: Timestamp,
    ) -> (Self, Vec<Problem>) {
        let loaded = repo.load_from::<K>(stored, now);
        (
            Collection {
                records: loaded.records,
            },
            loaded.problems,
        )
    }

    /// Every record, tombstones included.
    pub fn all(&self) -> &[Record<K>] {
        &self.records
    }

    /// Records not deleted, in stored order (oldest created first).
    pub fn live(&self) -> impl DoubleEndedIterator<Item = &Record<K>> {
        self.records.iter().filter(|r| !r.deleted)
    }

    pub fn get(&self, id: &RecordId) -> Option<&Record<K>> {
        self.records.iter().find(|r| &r.id == id)
    }

    /// Re-reads one storage key after another tab changed it. Keys of other kinds are ignored.
    pub fn reload_key<S: KeyValueStore>(
        &mut self,
        repo: &Repository<S>,
        key: &str,
        now: Timestamp,
    ) -> Vec<Problem> {
        if repository::kind_of_key(key) != Some(K::KIND) {
            return Vec::new();
        }
        let loaded = repo.load_key::<K>(key, now);
        match loaded.records.into_iter().next() {
            Some(record) => {
                self.show(record);
            }
            // Removed, or unreadable and set aside: it is no longer there to show.
            None => self
                .records
                .retain(|r| !repository::is_key_of(key, K::KIND, &r.id)),
        }
        loaded.problems
    }

    /// Shows a record storage now holds (what [`crate::Device::save`] returned), in its place by creation.
    pub fn show(&mut self, record: Record<K>) -> &Record<K> {
        let index = match self.records.iter().position(|r| r.id == record.id) {
            Some(index) => {
                self.records[index] = record;
                index
            }
            None => {
                let index = self
                    .records
                    .partition_point(|r| (r.created, &r.id) < (record.created, &record.id));
                self.records.insert(index, record);
                index
            }
        };
        &self.records[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mood::{CheckIn, MoodLevel};
    use crate::store::MemoryStore;

    fn check_in(seed: u8, now: i64) -> Record<CheckIn> {
        Record::new(
            RecordId::from_random_bytes([seed; 16]),
            Timestamp(now),
            CheckIn::new(MoodLevel::Okay, Timestamp(now)),
        )
    }

    #[test]
    fn records_stay_in_created_order_whatever_order_they_arrive() {
        let store = MemoryStore::new();
        let repo = Repository::new(&store);
        let mut collection = Collection::<CheckIn>::default();
        for (seed, at) in [(1, 30), (2, 10), (3, 20)] {
            let record = check_in(seed, at);
            repo.save(&record, Timestamp(at)).unwrap();
            collection.show(record);
        }
        let created: Vec<i64> = collection.all().iter().map(|r| r.created.0).collect();
        assert_eq!(created, [10, 20, 30]);
        assert_eq!(
            Collection::<CheckIn>::load(&repo, Timestamp(0)).0,
            collection
        );
    }

    #[test]
    fn another_tabs_change_arrives_through_reload_key() {
        let store = MemoryStore::new();
        let (repo_a, repo_b) = (Repository::new(&store), Repository::new(&store));
        let mut tab_a = Collection::<CheckIn>::default();
        let mut tab_b = Collection::<CheckIn>::default();

        let mut record = check_in(1, 10);
        repo_b.save(&record, Timestamp(10)).unwrap();
        tab_b.show(record.clone());
        let key = repository::record_key(CheckIn::KIND, &record.id);
        assert!(tab_a.reload_key(&repo_a, &key, Timestamp(11)).is_empty());
        assert_eq!(tab_a.all(), tab_b.all());

        record.delete(Timestamp(20));
        repo_b.save(&record, Timestamp(20)).unwrap();
        tab_b.show(record);
        tab_a.reload_key(&repo_a, &key, Timestamp(21));
        assert_eq!(tab_a.live().count(), 0);

        store.remove(&key).unwrap();
        tab_a.reload_key(&repo_a, &key, Timestamp(22));
        assert!(tab_a.all().is_empty());

        assert!(
            tab_a
                .reload_key(&repo_a, "someone-else", Timestamp(23))
                .is_empty()
        );
    }
}
