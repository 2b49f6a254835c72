/**
 * What calls cost: prices in the relay's own unit, quota ({@link dev.relayworker.cost.PriceTable}),
 * the cost of an answered call ({@link dev.relayworker.cost.CallCost}), and the tokens a request
 * may use before it is sent ({@link dev.relayworker.cost.TokenEstimator}). Pure and thread-safe;
 * knows nothing of Kafka or of how calls are made.
 */
package dev.relayworker.cost;
