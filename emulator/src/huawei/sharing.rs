//! The request pipeline in mod.rs finds the projects sharing with a caller by this path; the
//! sharing rules live in domain/sharing.rs and the member operations in api/sharing.rs.
//! (Kept while mod.rs is being rewritten on another branch: point it at domain::sharing and
//! this file can go.)

pub use super::domain::sharing::owners_sharing_with;
