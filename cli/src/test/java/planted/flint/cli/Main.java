package planted.flint.cli;

import planted.flint.nn.Layer;

/** Planted: an application, allowed to use everything. */
public class Main {
    public Layer layer;
}
