//! The editor's paste cleaner under node's test runner
//! (`tests/browser/paste-clean.test.mjs`), and the editor's files served
//! as assets without inline script or style.

use std::path::Path;
use std::process::Command;

#[test]
fn paste_cleaning_passes_its_node_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node = std::env::var("FUPIN_NODE").unwrap_or_else(|_| "node".into());
    let out = match Command::new(&node)
        .arg("--test")
        .arg(root.join("tests/browser/paste-clean.test.mjs"))
        .current_dir(root)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            if std::env::var("CI").is_ok() {
                panic!("node is needed in CI: {e}");
            }
            eprintln!("skipped: {node} cannot run ({e}); install nodejs to test the editor");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "node --test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("# fail 0"), "{stdout}");
    assert!(!stdout.contains("# pass 0"), "the tests ran: {stdout}");
}

#[test]
fn editor_assets_are_served() {
    for name in [
        "admin/editor.js",
        "admin/editor.css",
        "admin/paste-clean.js",
    ] {
        let (asset, _) = fupin::assets::find(name).unwrap_or_else(|| panic!("{name} registered"));
        let text = std::str::from_utf8(asset.bytes).unwrap();
        assert!(!text.contains("new Function"), "{name}");
        assert!(!text.contains("eval("), "{name}");
        assert!(fupin::assets::url(name).starts_with("/static/admin/"));
    }
}
