//! The bounded pool for CPU-heavy work that a request asks for: sanitizing
//! a body, diffing two revisions. Such work runs on tokio's blocking
//! threads, never on the async workers that answer every other request,
//! and at most [`slots`] jobs run at once in the process; the rest wait
//! their turn. So a writer who saves a huge body delays only their own
//! save, never a reader's page.
//!
//! Password hashing has its own, smaller pool (`auth::password`): its cost
//! is memory, not time.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

/// How many CPU-heavy jobs run at once: one per core, at least one, and
/// never all of a two-core machine's cores (one stays for the pages).
pub fn slots() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores.saturating_sub(1).clamp(1, 8)
    })
}

static RUNNING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many jobs are running on the pool's threads right now.
pub fn running() -> usize {
    RUNNING.load(std::sync::atomic::Ordering::SeqCst)
}

fn semaphore() -> &'static Semaphore {
    static SEM: OnceLock<Semaphore> = OnceLock::new();
    SEM.get_or_init(|| Semaphore::new(slots()))
}

/// Runs `job` on a blocking thread once a slot is free, and returns what it
/// returned. A job that panicked is reported as an error, never re-raised
/// on the worker that awaited it.
pub async fn run<T, F>(job: F) -> anyhow::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let _permit = semaphore()
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("CPU pool closed: {e}"))?;
    tokio::task::spawn_blocking(move || {
        use std::sync::atomic::Ordering::SeqCst;
        RUNNING.fetch_add(1, SeqCst);
        // Counted down even when the job panics.
        struct Done;
        impl Drop for Done {
            fn drop(&mut self) {
                RUNNING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let _done = Done;
        job()
    })
    .await
    .map_err(|e| anyhow::anyhow!("CPU job failed: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_slots_run_at_once() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..super::slots() * 3 + 2)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(super::run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most >= 1 && most <= super::slots(), "{most}");
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error() {
        let r = super::run(|| -> u8 { panic!("boom") }).await;
        assert!(r.is_err());
    }
}
