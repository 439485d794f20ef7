"""tinygrad_edu.viz: see the computation graph and the chain rule.

``draw_graph`` / ``render`` draw the DAG with values, gradients and local
derivatives; ``explain`` writes the chain rule out for one parameter;
``backward_steps`` makes a step-by-step slide show of the backward pass;
``check_graph`` checks every op's backward numerically and marks wrong ones red;
``explore`` writes one interactive HTML page to click through the graph and step
the backward pass. ``explain_forward`` writes the chain rule in forward order (the
tangents of forward mode); ``jacobian_view`` builds a Jacobian by forward and by
reverse passes and counts them.
``filters``, ``feature_maps``, ``activation_maximization``, ``saliency``,
``occlusion``, ``guided_backprop`` and ``grad_cam`` look inside a CNN.
"""
from .check import GraphCheck, NodeCheck, check_graph
from .cnn import (activation_maximization, feature_maps, filters, grad_cam, guided_backprop,
                  occlusion, saliency)
from .explain import ChainRule, chain_rule, explain
from .explore import ExplorerPage, explore
from .forward import ForwardChain, JacobianView, explain_forward, jacobian_view
from .graph import GraphView, GraphvizError, GraphvizNotFound, draw_graph, render
from .steps import backward_steps

__all__ = ["draw_graph", "render", "explain", "chain_rule", "backward_steps", "check_graph",
           "explore", "GraphView", "GraphvizError", "GraphvizNotFound", "ChainRule", "GraphCheck", "NodeCheck",
           "ExplorerPage", "filters", "feature_maps", "activation_maximization", "saliency",
           "occlusion", "guided_backprop", "grad_cam", "explain_forward", "jacobian_view",
           "ForwardChain", "JacobianView"]
