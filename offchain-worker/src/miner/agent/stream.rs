//! The steps of the runs in progress, for the stream endpoint: each run's steps so far (a
//! subscriber that comes late gets them first) and a channel of the ones to come.

use std::collections::HashMap;
use std::sync::Mutex;

use aitbc_primitives::{JobId, TraceStep};
use tokio::sync::broadcast;

/// Most runs whose steps are kept after they ended (the oldest go first).
const KEPT_ENDED: usize = 64;

/// An event of a run's stream.
#[derive(Debug, Clone)]
pub enum StreamEvent {
    /// A step was recorded (its index from 0).
    Step(usize, TraceStep),
    /// The run's loop ended: no more steps.
    End,
}

#[derive(Default)]
struct RunSteps {
    steps: Vec<TraceStep>,
    ended: bool,
    tx: Option<broadcast::Sender<StreamEvent>>,
}

/// The runs' steps, shared by the daemon's jobs and its stream endpoint.
#[derive(Default)]
pub struct StepStreams {
    runs: Mutex<HashMap<JobId, RunSteps>>,
    ended: Mutex<std::collections::VecDeque<JobId>>,
}

impl StepStreams {
    /// Record step of run `job` and send it to the run's subscribers.
    pub fn publish(&self, job: JobId, step: &TraceStep) {
        let Ok(mut runs) = self.runs.lock() else {
            return;
        };
        let run = runs.entry(job).or_default();
        let index = run.steps.len();
        run.steps.push(step.clone());
        if let Some(tx) = &run.tx {
            let _ = tx.send(StreamEvent::Step(index, step.clone()));
        }
    }

    /// Run `job`'s loop ended.
    pub fn finish(&self, job: JobId) {
        if let Ok(mut runs) = self.runs.lock() {
            let run = runs.entry(job).or_default();
            run.ended = true;
            if let Some(tx) = run.tx.take() {
                let _ = tx.send(StreamEvent::End);
            }
        }
        let Ok(mut ended) = self.ended.lock() else {
            return;
        };
        ended.push_back(job);
        while ended.len() > KEPT_ENDED {
            if let (Some(old), Ok(mut runs)) = (ended.pop_front(), self.runs.lock()) {
                runs.remove(&old);
            }
        }
    }

    /// The steps of run `job` so far, whether it ended, and (while it runs) a receiver of the
    /// events to come. `None`: this daemon has not run it.
    pub fn subscribe(
        &self,
        job: JobId,
    ) -> Option<(
        Vec<TraceStep>,
        bool,
        Option<broadcast::Receiver<StreamEvent>>,
    )> {
        let Ok(mut runs) = self.runs.lock() else {
            return None;
        };
        let run = runs.get_mut(&job)?;
        let rx = if run.ended {
            None
        } else {
            Some(
                run.tx
                    .get_or_insert_with(|| broadcast::channel(64).0)
                    .subscribe(),
            )
        };
        Some((run.steps.clone(), run.ended, rx))
    }

    /// Note that this daemon runs `job` (so that subscribers may wait for its first step).
    pub fn start(&self, job: JobId) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.entry(job).or_default();
        }
    }
}
