/**
 * The {@code osprey} command-line tool: one class per subcommand, each a thin layer that parses
 * flags and calls the model library. The only place in {@code model/} that prints to the console.
 */
package dev.osprey.model.cli;
