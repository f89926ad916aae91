//! One integration-test binary: the app in-process on fresh databases, the
//! CLI in temporary directories, and the browser test.

mod harness;

mod browser;
mod cli_import;
mod hits;
mod search_fresh;
mod search_hostile;
mod search_quality;
mod site_pages;
