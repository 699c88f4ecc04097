package dev.switchboard.cli;

import java.util.List;
import java.util.Map;

/** Plain-text tables for the terminal. */
final class Table {

    private Table() {
    }

    /** Two aligned columns: key, value. */
    static String of(Map<String, String> rows) {
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        StringBuilder out = new StringBuilder();
        rows.forEach((k, v) -> out.append("  ").append(String.format("%-" + width + "s", k)).append("  ").append(v).append('\n'));
        return out.toString();
    }

    /** A header row and aligned rows. */
    static String of(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, header, widths);
        for (List<String> row : rows) {
            appendRow(out, row, widths);
        }
        return out.toString();
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            row.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", cells.get(i)));
        }
        out.append(row.toString().stripTrailing()).append('\n');
    }
}
