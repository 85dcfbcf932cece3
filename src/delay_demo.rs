//! The live delay-compensation demo (Fig. 2): two copies of a three-neuron chain driven by the
//! same slow sinusoid, one with prospective rates and one without. Each neuron integrates its
//! input with τ = 10 ms; without lookahead every layer adds about τ of delay, with it the
//! output follows the instantaneous input–output map F(r̄_0(t)) with no lag at all.

use crate::checks::{best_shift, delay_chain, delay_input};
use crate::network::{InferBuffers, Lookahead, Network, StepInput};
use crate::observe::Trace;

/// Neurons in the chain.
pub const DEPTH: usize = 3;
/// Samples kept (one per dt): 900 ms at dt = 1 ms, three periods of the input.
pub const WINDOW: usize = 900;

pub struct DelayDemo {
    prospective: Network,
    plain: Network,
    buf: InferBuffers,
    pub t_ms: f64,
    pub time_s: Trace,
    /// What an instantaneous network would output: F(r̄_0(t)).
    pub ideal: Trace,
    pub out_prospective: Trace,
    pub out_plain: Trace,
}

impl Default for DelayDemo {
    fn default() -> Self {
        Self::new()
    }
}

impl DelayDemo {
    pub fn new() -> Self {
        DelayDemo {
            prospective: delay_chain(Lookahead::Advanced, DEPTH, 1.0, false),
            plain: delay_chain(Lookahead::None, DEPTH, 1.0, false),
            buf: InferBuffers::default(),
            t_ms: 0.0,
            time_s: Trace::new(WINDOW),
            ideal: Trace::new(WINDOW),
            out_prospective: Trace::new(WINDOW),
            out_plain: Trace::new(WINDOW),
        }
    }

    /// Advance both chains by `steps` of dt = 1 ms.
    pub fn advance(&mut self, steps: usize) {
        for _ in 0..steps {
            let x = [delay_input(self.t_ms as f32)];
            let input = StepInput {
                x: &x,
                target: None,
                beta: 0.0,
                plastic: false,
            };
            // Both chains are fixed, linear-range and stable: a non-finite state cannot arise.
            let _ = self.prospective.step(input);
            let _ = self.plain.step(input);
            self.t_ms += self.prospective.config.dt as f64;
            let rbar0 = self.prospective.rbar_in.clone();
            self.ideal
                .push(self.prospective.infer(&rbar0, &mut self.buf)[0]);
            self.out_prospective.push(self.prospective.output()[0]);
            self.out_plain.push(self.plain.output()[0]);
            self.time_s.push((self.t_ms / 1000.0) as f32);
        }
    }

    /// Measured lag (ms) of each chain's output behind the ideal, over the window; None until a
    /// full input period has been seen.
    pub fn lags_ms(&self) -> Option<(f32, f32)> {
        let dt = self.prospective.config.dt;
        let period = (crate::checks::DELAY_PERIOD_MS / dt) as usize;
        if self.ideal.len < 2 * period {
            return None;
        }
        let ideal = self.ideal.to_vec();
        let max_shift = (8.0 * self.prospective.config.tau / dt) as usize;
        let start = ideal.len() - period;
        let lag = |t: &Trace| best_shift(&t.to_vec(), &ideal, start, max_shift) as f32 * dt;
        Some((lag(&self.out_prospective), lag(&self.out_plain)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prospective_chain_has_no_lag_and_plain_chain_lags_by_about_depth_tau() {
        let mut d = DelayDemo::new();
        assert!(d.lags_ms().is_none());
        d.advance(WINDOW);
        let (pro, plain) = d.lags_ms().expect("a full window");
        assert!(pro <= 1.0, "prospective lag {pro} ms");
        // Three neurons of τ = 10 ms: about 3τ (checks::delay measures 29.5 ms).
        assert!((22.0..=36.0).contains(&plain), "plain lag {plain} ms");
    }
}
