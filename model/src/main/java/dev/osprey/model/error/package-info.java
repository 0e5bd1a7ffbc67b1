/** The one unchecked exception of the model library and the reasons it names. */
package dev.osprey.model.error;
