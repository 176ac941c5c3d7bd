/**
 * Classes that break each rule of ArchitectureTest on purpose, so that the test can show every rule
 * still catches something. Test sources only; never on a class path users see.
 */
package planted.flint;
