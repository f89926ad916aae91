//! Stub.
use super::AdminRoutes;

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
}

/// Whether admins must use a second factor.
pub async fn totp_required_for_admins(db: &crate::db::Db) -> anyhow::Result<bool> {
    Ok(crate::db::settings::get(db, "auth.require_totp_admin")
        .await?
        .as_deref()
        == Some("1"))
}
