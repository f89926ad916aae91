//! One integration-test binary: the app in-process on fresh databases, the
//! CLI in temporary directories, and the browser test.

mod harness;

mod admin_login;
mod admin_support;
mod browser;
mod cli_import;
mod cluster;
mod deploy;
mod hits;
mod mailbox;
mod mailbox_browser;
mod site_pages;
mod visits;
