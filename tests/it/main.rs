//! One integration-test binary: the app in-process on fresh databases, the
//! CLI in temporary directories, and the browser test.

mod harness;

mod browser;
mod cache;
mod cli_import;
mod cluster;
mod deploy;
mod export;
mod hits;
mod site_pages;
