/** System-prompt variants per task type, chosen by Thompson sampling over feedback, and their refinement. */
package dev.switchboard.planner.prompts;
