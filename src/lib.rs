//! fupin: the news portal and back office of a poverty-alleviation
//! association, rebuilt from the 2009 ASP portal 广东扶贫网.
//!
//! The binary is a thin shell around [`cli::run`]. See ARCHITECTURE.md for
//! how a request and an imported page flow through the modules.

pub mod app;
pub mod assets;
pub mod audit_cli;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod cpu;
pub mod csv_text;
pub mod datetime;
pub mod db;
pub mod demo;
pub mod doctor;
pub mod editorial;
pub mod error;
pub mod export;
pub mod html;
pub mod human;
pub mod import;
pub mod logging;
pub mod mailbox;
pub mod media;
pub mod media_dir;
pub mod render;
pub mod revisions;
pub mod search;
pub mod server;
pub mod stats;
pub mod web;
