"""Learning systems beyond STDP: e-prop (Bellec et al. 2020, Nat Commun 11:3625).

Modules (imports point down)::

    config      frozen sections with units: network, training, tasks; presets
    weights     the trainable parameters, their initialisation, feedback matrices
    tasks       evidence accumulation and pattern generation as plain arrays
    reference   numpy e-prop gradient and autograd BPTT of the same network
    network     the network in Brian2: LIF/ALIF cells, traces, learning signal
    train       Adam, batches of replica trials, training loop
    experiment  ``neurotoolkit run eprop-evidence|eprop-pattern --level lif``

Nothing here imports Brian2 until a network is built.
"""
