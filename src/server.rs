//! `fupin serve`: binds the listener, runs the periodic flush of batched
//! counters, and shuts down cleanly on Ctrl-C or SIGTERM, flushing what was
//! counted so that nothing is lost.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app::AppState;

/// Binds the listen address, with a message that says what to check.
pub async fn bind(listen: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(listen).await.with_context(|| {
        format!(
            "无法监听 {listen}：端口是否已被占用，或低于 1024 而没有权限？\n  cannot listen on {listen}"
        )
    })
}

/// Serves until a shutdown signal arrives.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let listener = bind(&state.config.listen).await?;
    serve_on(listener, state).await
}

/// Serves on a bound listener until a shutdown signal arrives.
pub async fn serve_on(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    // Temporary files of uploads a killed process left behind go first.
    let swept = crate::media_dir::remove_stale_temporaries(&crate::media::media_dir(
        &state.config.data_dir,
    ));
    if swept > 0 {
        tracing::info!(
            count = swept,
            "removed temporary files of interrupted uploads"
        );
    }
    // Tests and scripts wait for this line to know the server is ready.
    println!("fupin listening on http://{addr}");
    tracing::info!(%addr, "listening");

    let background = crate::cluster::spawn_background(&state);

    // An index built with another folding table is rebuilt in the background.
    match crate::search::refold_if_changed(&state.db).await {
        Ok(true) => tracing::info!("search folding table changed: every document queued"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = format!("{e:#}"), "search folding stamp not checked"),
    }
    // Keeps the search index in step with every change, whoever wrote it.
    let indexer = crate::search::spawn_indexer(state.db.clone());
    // The peer address reaches handlers for login throttling and the log.
    let app = state
        .router()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    for task in background {
        task.abort();
    }
    indexer.abort();
    state
        .hits
        .flush(&state.db)
        .await
        .context("cannot flush visit counts at shutdown")?;
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
