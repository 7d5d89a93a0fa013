"""Shared offers (assessment, pilot, ROI kits) co-branded per distributor, and campaigns."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns and offers"
