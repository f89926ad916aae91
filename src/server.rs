//! `fupin serve`: binds the listener, runs the periodic flush of batched
//! counters, and shuts down cleanly on Ctrl-C or SIGTERM, flushing what was
//! counted so that nothing is lost.

use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::AppState;

/// Serves until a shutdown signal arrives.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let listener = TcpListener::bind(&state.config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", state.config.listen))?;
    let addr = listener.local_addr()?;
    // Tests and scripts wait for this line to know the server is ready.
    println!("fupin listening on http://{addr}");
    tracing::info!(%addr, "listening");

    let flusher = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(state.config.flush_seconds));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = state.hits.flush(&state.db).await {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "hit counts not flushed yet; will retry"
                    );
                }
            }
        })
    };

    // Keeps the search index in step with every change, whoever wrote it.
    let indexer = crate::search::spawn_indexer(state.db.clone());

    axum::serve(listener, state.router())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    flusher.abort();
    indexer.abort();
    state
        .hits
        .flush(&state.db)
        .await
        .context("cannot flush hit counts at shutdown")?;
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
