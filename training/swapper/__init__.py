"""Unmask's own face swapper: a DeepFaceLab-style (DF) autoencoder that manufactures swap/real video pairs for training
the detector (issue 13). A training-data tool only: nothing here ships in the extension. See training/SWAPPER.md.
"""
