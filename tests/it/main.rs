//! One integration-test binary: the app in-process on fresh databases, the
//! CLI in temporary directories, and the browser test.

mod harness;

mod admin_browser;
mod admin_cli;
mod admin_csrf;
mod admin_dictionary;
mod admin_login;
mod admin_matrix;
mod admin_search;
mod admin_support;
mod admin_workflow;
mod audit_chain;
mod backup;
mod browser;
mod cache;
mod care;
mod cli_import;
mod cluster;
mod crash;
mod deploy;
mod deploy_single;
mod doctor;
mod editor_js;
mod editor_recovery;
mod editorial;
mod export;
mod faults;
mod fuzz;
mod hardening;
mod hits;
mod mailbox;
mod mailbox_browser;
mod mailbox_care;
mod mailbox_mail;
mod media_upload;
mod operator_cli;
mod sanitizer_payloads;
mod search_fresh;
mod search_hostile;
mod search_quality;
mod search_t2s;
mod site_pages;
mod smtp_tls;
mod staged_edits;
mod visits;
