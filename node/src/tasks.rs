//! Supervised tasks: the loops a node cannot live without (network, sync, GRANDPA, authoring,
//! pool maintenance) are *essential*. If one of them returns or panics, the node must not stay
//! up looking alive while doing nothing: [`Essential::failed`] reports it and the service stops
//! the process with the task's name and a non-zero exit, as Substrate's essential task manager
//! does. Tasks that may end (one catch-up, one request) are spawned plainly.

use std::future::Future;

use tokio::sync::mpsc;

/// Why an essential task stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    /// The task's name.
    pub task: &'static str,
    /// `returned` or `panicked: <message>`.
    pub reason: String,
}

impl std::fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "essential task `{}` {}", self.task, self.reason)
    }
}

/// Spawns essential tasks; clone it into every subsystem that starts one.
#[derive(Clone)]
pub struct EssentialSpawner {
    failures: mpsc::UnboundedSender<TaskFailure>,
}

/// The receiving side: the service waits on it.
pub struct Essential {
    failures: mpsc::UnboundedReceiver<TaskFailure>,
}

/// A spawner and the handle that learns of failures.
pub fn essential_tasks() -> (EssentialSpawner, Essential) {
    let (failures, rx) = mpsc::unbounded_channel();
    (EssentialSpawner { failures }, Essential { failures: rx })
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = e.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

impl EssentialSpawner {
    /// Spawn `task` on the current tokio runtime; its end, normal or by panic, is a failure.
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(task);
        let failures = self.failures.clone();
        tokio::spawn(async move {
            let reason = match handle.await {
                Ok(()) => "returned".to_string(),
                Err(e) if e.is_panic() => {
                    format!("panicked: {}", panic_message(&*e.into_panic()))
                }
                // Cancelled: only when the runtime shuts down.
                Err(_) => return,
            };
            tracing::error!(target: "aitbc", "essential task `{name}` {reason}: stopping the node");
            let _ = failures.send(TaskFailure { task: name, reason });
        });
    }
}

impl Essential {
    /// Wait until an essential task fails. Pending for ever once every spawner is gone and no
    /// failure was reported.
    pub async fn failed(&mut self) -> TaskFailure {
        match self.failures.recv().await {
            Some(f) => f,
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_panicking_essential_task_is_reported_with_its_message() {
        let (spawner, mut essential) = essential_tasks();
        spawner.spawn("forever", std::future::pending());
        spawner.spawn("voter", async { panic!("round state corrupt") });
        let failure = tokio::time::timeout(Duration::from_secs(5), essential.failed())
            .await
            .expect("reported");
        assert_eq!(failure.task, "voter");
        assert_eq!(failure.reason, "panicked: round state corrupt");
        assert_eq!(
            failure.to_string(),
            "essential task `voter` panicked: round state corrupt"
        );
    }

    #[tokio::test]
    async fn an_essential_task_that_returns_is_a_failure_too() {
        let (spawner, mut essential) = essential_tasks();
        spawner.spawn("sync", async {});
        let failure = tokio::time::timeout(Duration::from_secs(5), essential.failed())
            .await
            .expect("reported");
        assert_eq!(failure.reason, "returned");
    }

    #[tokio::test]
    async fn tasks_that_keep_running_report_nothing() {
        let (spawner, mut essential) = essential_tasks();
        spawner.spawn("author", std::future::pending());
        assert!(
            tokio::time::timeout(Duration::from_millis(200), essential.failed())
                .await
                .is_err()
        );
    }
}
