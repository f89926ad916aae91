//! Issue 17: the 操作日志 is tamper-evident. Each entry is chained by hash
//! to the one before; `fupin audit verify` names the first entry that was
//! changed, removed or inserted, on both backends, and the log exports.

use std::process::Command;

use fupin::db::audit::{self, Actor, Outcome};
use fupin::db::audit_chain::{self, Break};

use crate::harness::{TestApp, backends};

async fn write_entries(app: &TestApp, n: usize) -> Vec<i64> {
    let actor = Actor {
        id: None,
        name: "审计测试".into(),
        ip: "10.7.0.1".into(),
    };
    for i in 0..n {
        audit::record(
            &app.state.db,
            &actor,
            "发布",
            &format!("文章 #{i}"),
            Outcome::Ok,
            &format!("第 {i} 次"),
        )
        .await
        .unwrap();
    }
    ids(app).await
}

async fn ids(app: &TestApp) -> Vec<i64> {
    use sqlx::Row;
    sqlx::query("SELECT id FROM audit_log ORDER BY id")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>("id"))
        .collect()
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(app.state.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_chain_names_an_edited_a_deleted_and_an_inserted_entry() {
    for backend in backends() {
        // Edited.
        let app = TestApp::new(backend).await;
        let ids = write_entries(&app, 6).await;
        let ok = audit_chain::verify(&app.state.db).await.unwrap();
        assert_eq!(ok.broken, None, "{backend}");
        assert_eq!(ok.entries as usize, ids.len());
        exec(
            &app,
            &format!("UPDATE audit_log SET detail = '无事' WHERE id = {}", ids[3]),
        )
        .await;
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert_eq!(r.broken, Some(Break::Changed { id: ids[3] }), "{backend}");
        app.finish().await;

        // Edited and given a hash that matches its new fields: the next
        // entry no longer follows it.
        let app = TestApp::new(backend).await;
        let ids = write_entries(&app, 6).await;
        exec(
            &app,
            &format!("UPDATE audit_log SET hash = 'f00d' WHERE id = {}", ids[2]),
        )
        .await;
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert_eq!(r.broken, Some(Break::Changed { id: ids[2] }), "{backend}");
        app.finish().await;

        // Deleted.
        let app = TestApp::new(backend).await;
        let ids = write_entries(&app, 6).await;
        exec(
            &app,
            &format!("DELETE FROM audit_log WHERE id = {}", ids[2]),
        )
        .await;
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert_eq!(
            r.broken,
            Some(Break::Removed {
                before_id: ids[3],
                missing: 1
            }),
            "{backend}"
        );
        app.finish().await;

        // Inserted, with a made-up hash and without one.
        let app = TestApp::new(backend).await;
        let ids = write_entries(&app, 4).await;
        exec(
            &app,
            "INSERT INTO audit_log (at, actor_id, actor_name, ip, action, object, result, detail)
             VALUES (1, NULL, '伪造', '', '删除', '文章 #1', 'ok', '')",
        )
        .await;
        let forged = *crate::audit_chain::ids(&app).await.last().unwrap();
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert_eq!(r.broken, Some(Break::Inserted { id: forged }), "{backend}");
        exec(&app, &format!("DELETE FROM audit_log WHERE id = {forged}")).await;
        // Slipped between two entries at a free place.
        exec(
            &app,
            &format!(
                "UPDATE audit_log SET chain_seq = chain_seq + 100 WHERE id > {}",
                ids[1]
            ),
        )
        .await;
        exec(
            &app,
            &format!(
                "UPDATE audit_log SET chain_seq = chain_seq - 100, prev_hash = (SELECT hash FROM audit_log WHERE id = {}) \
                 WHERE id = {}",
                ids[1], ids[2]
            ),
        )
        .await;
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert!(r.broken.is_some(), "{backend}: {r:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn pruning_keeps_the_chain_whole_and_older_entries_are_sealed() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let ids = write_entries(&app, 5).await;
        // The two oldest are past the retention period.
        exec(
            &app,
            &format!(
                "UPDATE audit_log SET at = 1000 WHERE id IN ({}, {})",
                ids[0], ids[1]
            ),
        )
        .await;
        // Changing `at` breaks their hashes: re-chain as if they had been
        // written then, so the prune is of a sound chain.
        exec(
            &app,
            "UPDATE audit_log SET chain_seq = NULL, prev_hash = NULL, hash = NULL",
        )
        .await;
        assert_eq!(
            audit_chain::seal(&app.state.db).await.unwrap(),
            ids.len() as u64
        );
        assert_eq!(
            audit_chain::verify(&app.state.db).await.unwrap().broken,
            None,
            "{backend}"
        );
        let gone = audit::prune(&app.state.db, fupin::db::now()).await.unwrap();
        assert_eq!(gone, 2, "{backend}");
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert_eq!(r.broken, None, "{backend}: the chain starts at the anchor");
        assert_eq!(r.entries, 3);
        // Removing the new first entry is still seen.
        exec(
            &app,
            &format!("DELETE FROM audit_log WHERE id = {}", ids[2]),
        )
        .await;
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert!(
            matches!(r.broken, Some(Break::Removed { .. })),
            "{backend}: {r:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn concurrent_entries_never_fork_the_chain() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let actor = Actor::system();
        let writes = (0..16).map(|i| {
            let db = app.state.db.clone();
            let actor = actor.clone();
            tokio::spawn(async move {
                audit::record(&db, &actor, "并发", &format!("#{i}"), Outcome::Ok, "").await
            })
        });
        for w in writes.collect::<Vec<_>>() {
            w.await.unwrap().unwrap();
        }
        let r = audit_chain::verify(&app.state.db).await.unwrap();
        assert_eq!(r.broken, None, "{backend}");
        assert!(r.entries >= 16);
        app.finish().await;
    }
}

#[tokio::test]
async fn the_command_line_verifies_and_exports() {
    let app = TestApp::new("sqlite").await;
    let ids = write_entries(&app, 3).await;
    let data = app.data_dir();
    let fupin = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_fupin"))
            .env_remove("FUPIN_DATABASE_URL")
            .env_remove("FUPIN_CONFIG")
            .env("FUPIN_DATA", &data)
            .env("FUPIN_LOG", "warn")
            .args(args)
            .output()
            .unwrap()
    };
    let ok = fupin(&["audit", "verify"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("操作日志完好"));
    let json = fupin(&["audit", "export", "--format", "json"]);
    assert!(json.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows.len(), ids.len());
    assert!(
        rows.iter()
            .all(|r| r["hash"].as_str().is_some_and(|h| h.len() == 64))
    );
    let csv = fupin(&["audit", "export"]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("第 1 次"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), ids.len() + 1);
    exec(
        &app,
        &format!(
            "UPDATE audit_log SET actor_name = '别人' WHERE id = {}",
            ids[1]
        ),
    )
    .await;
    let bad = fupin(&["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(
        out.contains(&format!("第 {} 条记录被修改过", ids[1])),
        "{out}"
    );
    app.finish().await;
}
