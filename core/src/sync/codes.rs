//! The codes a person reads, writes down or scans: the recovery code and the sync code for joining a device.
