package dev.switchboard.cli.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Quality against cost per query (log scale) as a PNG: one dot per baseline, Switchboard in red.
 * Drawn with Java2D, headless; a chart library would be a large dependency for one scatter plot.
 */
public final class QualityCostPlot {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 600;
    private static final int LEFT = 80;
    private static final int RIGHT = 40;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private QualityCostPlot() {
    }

    public static void write(Path file, String title, List<Baselines.Point> baselines, Baselines.Point switchboard)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);

        double minCost = Double.MAX_VALUE;
        double maxCost = 0;
        for (Baselines.Point p : all(baselines, switchboard)) {
            minCost = Math.min(minCost, Math.max(p.costPerQuery(), 1e-12));
            maxCost = Math.max(maxCost, Math.max(p.costPerQuery(), 1e-12));
        }
        double lo = Math.floor(Math.log10(minCost));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(maxCost)));
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;

        g.setColor(new Color(235, 235, 235));
        for (int i = 0; i <= 10; i++) {
            int y = TOP + plotH - i * plotH / 10;
            g.drawLine(LEFT, y, LEFT + plotW, y);
        }
        for (double e = lo; e <= hi; e++) {
            int x = LEFT + (int) ((e - lo) / (hi - lo) * plotW);
            g.drawLine(x, TOP, x, TOP + plotH);
        }
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1.5f));
        g.drawRect(LEFT, TOP, plotW, plotH);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 10; i += 2) {
            int y = TOP + plotH - i * plotH / 10;
            g.drawString(String.format(Locale.ROOT, "%.1f", i / 10.0), LEFT - 30, y + 4);
        }
        for (double e = lo; e <= hi; e++) {
            int x = LEFT + (int) ((e - lo) / (hi - lo) * plotW);
            g.drawString(String.format(Locale.ROOT, "1e%d", (int) e), x - 12, TOP + plotH + 18);
        }
        g.drawString("cost per query (USD, log scale)", LEFT + plotW / 2 - 90, HEIGHT - 15);
        g.rotate(-Math.PI / 2);
        g.drawString("quality (mean score)", -(TOP + plotH / 2 + 60), 25);
        g.rotate(Math.PI / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 30);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (Baselines.Point p : baselines) {
            dot(g, p, new Color(60, 90, 160), lo, hi, plotW, plotH);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        dot(g, switchboard, new Color(200, 30, 30), lo, hi, plotW, plotH);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static List<Baselines.Point> all(List<Baselines.Point> baselines, Baselines.Point switchboard) {
        List<Baselines.Point> all = new java.util.ArrayList<>(baselines);
        all.add(switchboard);
        return all;
    }

    private static void dot(Graphics2D g, Baselines.Point p, Color color, double lo, double hi, int plotW, int plotH) {
        double cost = Math.max(p.costPerQuery(), 1e-12);
        int x = LEFT + (int) ((Math.log10(cost) - lo) / (hi - lo) * plotW);
        int y = TOP + plotH - (int) (Math.max(0, Math.min(1, p.quality())) * plotH);
        g.setColor(color);
        g.fillOval(x - 5, y - 5, 10, 10);
        int width = g.getFontMetrics().stringWidth(p.name());
        // Labels near the right edge go to the left of their dot, so that they stay on the image.
        g.drawString(p.name(), x + 8 + width > WIDTH - 4 ? x - 8 - width : x + 8, y - 6);
    }
}
