//! The operation handlers routes.rs points at, one file per resource family of the API
//! reference. A handler decodes the request, checks what is the caller's to ask, calls the
//! domain (domain/) for the rules, and builds its answer through render.rs.

pub mod agents;
pub mod backups;
pub mod checkpoints;
pub mod orders;
pub mod organization;
pub mod policies;
pub mod projects;
pub mod protectables;
pub mod sharing;
pub mod tags;
pub mod tasks;
pub mod vaults;
