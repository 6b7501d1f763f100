//! Stages and the chain that joins them, as CDK's `.next()` joins states.
//!
//! A [`Stage`] is a piece of the graph with one way in (its entry state) and any number of
//! ways out, all to the same place: the stage after it. The stage does not know what comes
//! next; [`Chain`] tells it when it renders, so a stage left out of the configuration
//! simply is not chained, and its neighbours meet.

use crate::asl::{StateMachine, StateMachineBuilder, Succeed};
use crate::error::AslError;

/// A piece of the graph that renders its own states.
pub(super) trait Stage {
    /// The state the stage starts at: where the stage before it goes on to.
    fn entry(&self) -> &'static str;

    /// What the stage does, in a few words, for the definition's `Comment`.
    fn summary(&self) -> &'static str;

    /// Adds the stage's states to `machine`, in the order they render; every way out of
    /// the stage goes to `next`.
    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError>;
}

/// Stages in the order they run (and render).
pub(super) struct Chain<'a> {
    stages: Vec<Box<dyn Stage + 'a>>,
}

impl<'a> Chain<'a> {
    /// A chain beginning with `first`; the machine starts at its entry.
    pub(super) fn start(first: impl Stage + 'a) -> Self {
        Self {
            stages: vec![Box::new(first)],
        }
    }

    /// `stage` runs after everything chained so far.
    pub(super) fn next(mut self, stage: impl Stage + 'a) -> Self {
        self.stages.push(Box::new(stage));
        self
    }

    /// [`Chain::next`] when the configuration has the stage, else the chain unchanged.
    pub(super) fn maybe_next(self, stage: Option<impl Stage + 'a>) -> Self {
        match stage {
            Some(stage) => self.next(stage),
            None => self,
        }
    }

    /// The stages' summaries, in order, joined by arrows.
    pub(super) fn summary(&self) -> String {
        let summaries: Vec<&str> = self.stages.iter().map(|s| s.summary()).collect();
        summaries.join(" -> ")
    }

    /// Ends the chain in the Succeed state `end`: renders every stage going on to the
    /// next one's entry, the last one to `end`.
    pub(super) fn succeed(self, end: &'static str) -> Result<StateMachineBuilder, AslError> {
        let start = self.stages.first().map_or(end, |s| s.entry());
        let mut machine = StateMachine::builder(start);
        let entries = self.stages.iter().skip(1).map(|s| s.entry());
        for (stage, next) in self.stages.iter().zip(entries.chain([end])) {
            stage.render(next, &mut machine)?;
        }
        machine.state(end, Succeed::default());
        Ok(machine)
    }
}

impl<S: Stage + ?Sized> Stage for Box<S> {
    fn entry(&self) -> &'static str {
        (**self).entry()
    }

    fn summary(&self) -> &'static str {
        (**self).summary()
    }

    fn render(&self, next: &str, machine: &mut StateMachineBuilder) -> Result<(), AslError> {
        (**self).render(next, machine)
    }
}
