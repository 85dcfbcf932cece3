//! Test sweeps off the main thread: the page's evaluation worker holds an [`Evaluator`] with
//! the official test digits and scores weight snapshots the learning page sends it. The page
//! keeps learning and painting meanwhile, and the second core does the testing.

use crate::mnist::Dataset;
use crate::network::{InferBuffers, NetConfig, Network};
use crate::session::count_correct;
use crate::web::{js_err, Playground};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Evaluator {
    test: Dataset,
    net: Option<Network>,
    buf: InferBuffers,
}

#[wasm_bindgen]
impl Evaluator {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Evaluator {
        Evaluator {
            test: Dataset::default(),
            net: None,
            buf: InferBuffers::default(),
        }
    }

    /// The official test set (IDX bytes), refused with a message if malformed.
    pub fn set_test(&mut self, images: &[u8], labels: &[u8]) -> Result<usize, JsValue> {
        self.test = Dataset::from_idx("test", images, labels).map_err(js_err)?;
        Ok(self.test.len())
    }

    /// Correct answers of the snapshot (`layers` sizes, `flat` weights as
    /// `Network::flat_weights`) on the first `n` test digits.
    pub fn evaluate(&mut self, layers: &[u32], flat: &[f32], n: u32) -> Result<u32, JsValue> {
        let layers: Vec<usize> = layers.iter().map(|&n| n as usize).collect();
        if self
            .net
            .as_ref()
            .is_none_or(|net| net.config.layers != layers)
        {
            let config = NetConfig {
                layers,
                ..NetConfig::default()
            };
            self.net = Some(Network::new(config, &mut crate::rng::Rng::new(0)).map_err(js_err)?);
        }
        let net = self.net.as_mut().unwrap();
        net.set_flat_weights(flat).map_err(js_err)?;
        Ok(count_correct(net, &self.test, n as usize, &mut self.buf) as u32)
    }
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Playground {
    /// Hand test sweeps to an evaluator elsewhere (true) or run them here in pieces (false).
    pub fn set_external_eval(&mut self, on: bool) {
        self.session.external_eval = on;
        if !on {
            self.session.abandon_external_sweep();
        }
    }

    /// If a sweep is due: the weights to score (and the sweep is out); else empty.
    pub fn begin_external_sweep(&mut self) -> Vec<f32> {
        self.session
            .begin_external_sweep()
            .map_or(vec![], |net| net.flat_weights())
    }

    /// Layer sizes of the learning network.
    pub fn layer_sizes(&self) -> Vec<u32> {
        self.session
            .net
            .config
            .layers
            .iter()
            .map(|&n| n as u32)
            .collect()
    }

    /// Test digits per sweep.
    pub fn eval_size(&self) -> u32 {
        self.session.task.eval_size.min(self.session.test.len()) as u32
    }

    /// The evaluator's score for the sweep out; true if it was recorded.
    pub fn end_external_sweep(&mut self, correct: u32, n: u32) -> bool {
        self.session
            .end_external_sweep(correct as usize, n as usize)
            .is_some()
    }

    pub fn abandon_external_sweep(&mut self) {
        self.session.abandon_external_sweep();
    }
}
