//! The dashboard on live data: group results computed on demand and cached per group until
//! that group's data changes.

use axum::Router;

use crate::ingest::Ingest;

/// What the dashboard analyses with.
#[derive(Clone, Default)]
pub struct Dashboard {}

impl Dashboard {
    pub fn router(&self, _ingest: Ingest) -> Router {
        Router::new()
    }
}
