//! How far up the modem stands (down, powered, online, attached), and
//! whether a fall was our own doing (a recovery rung turned a layer off).

use super::retries::Layer;

#[derive(Debug)]
pub struct Floor {
    level: Layer,
    /// We turned a layer off ourselves: its fall resets nothing until the
    /// modem stands attached again.
    lowered_by_us: bool,
}

/// A fall the last look saw.
pub struct Fell {
    pub to: Layer,
    pub by_us: bool,
}

impl Floor {
    pub fn new() -> Floor {
        Floor {
            level: Layer::Down,
            lowered_by_us: false,
        }
    }

    pub fn level(&self) -> Layer {
        self.level
    }

    pub fn lowered_by_us(&self) -> bool {
        self.lowered_by_us
    }

    /// We are turning a layer off.
    pub fn lowering(&mut self) {
        self.lowered_by_us = true;
    }

    /// The modem stands at `level` now: a fall, if it fell.
    pub fn look(&mut self, level: Layer) -> Option<Fell> {
        let was = self.level;
        self.level = level;
        if level == Layer::Attached && was < level {
            self.lowered_by_us = false;
        }
        (level < was).then_some(Fell {
            to: level,
            by_us: self.lowered_by_us,
        })
    }
}
