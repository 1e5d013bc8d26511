"""API routes for licences and holds (filled in by that domain's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["licences"])
