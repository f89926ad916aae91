//! Stub.
use super::AdminRoutes;

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
}
