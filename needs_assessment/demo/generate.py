"""Demonstration data: a fictional force, Demoshire Police, in every published format the build reads.

`generate_demo_data(out_dir, params)` writes each dataset of the demo params file under `out_dir`
(normally `<project>/data/demo`) exactly as the publishers lay theirs out: police.uk monthly
folders, DfT STATS19 yearly files, Home Office recorded crime and 999 tables, ONS population,
deprivation and census tables, and the force's own tidy indicator template.

Everything is drawn from numpy generators seeded from `seed` and a fixed name per dataset, and
nothing depends on the clock, the locale or hash order, so the same arguments give the same bytes
on every run. The data are *not official statistics*: the shapes (seasonality, trends, a 2020
dip, a deprivation gradient, disproportionality in stop and search) are realistic on purpose so
that every chapter of the demonstration report has something to say.

Volumes at `scale=1.0` are those of a force of about 1.2 million people: about 6,000 police.uk
street-level records a month (1,500 of them anti-social behaviour), about 1,000 stop and searches a
month and about 2,300 road collisions a year. `scale` multiplies the event-level datasets (police.uk,
STATS19, Home Office recorded crime); populations and the force's own indicators are left as they are.
"""

from __future__ import annotations

import argparse
import json
import calendar
import re
import io
import shutil
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MARKER = "DEMO-DATA.txt"
SUBDIRS = ("police-uk", "stats19", "home-office", "ons", "force")
FIRST_MONTH = "2019-01"          # first month written
SIM_START = "2018-01"            # street crimes are simulated from here so 2019 outcomes have a lead-in

# ----------------------------------------------------------------------------------------------
# Reference vocabularies and headers (copied from the published files)
# ----------------------------------------------------------------------------------------------

STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
                 "LSOA name,Crime type,Last outcome category,Context")
OUTCOMES_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
                   "LSOA name,Outcome type")
STOP_SEARCH_HEADER = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,"
                      "Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
                      "Object of search,Outcome,Outcome linked to object of search,"
                      "Removal of more than just outer clothing")

COLLISION_COLUMNS = (
    "collision_index,collision_year,collision_ref_no,location_easting_osgr,location_northing_osgr,"
    "longitude,latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,"
    "day_of_week,time,local_authority_district,local_authority_ons_district,local_authority_highway,"
    "local_authority_highway_current,first_road_class,first_road_number,road_type,speed_limit,"
    "junction_detail_historic,junction_detail,junction_control,second_road_class,second_road_number,"
    "pedestrian_crossing_human_control_historic,pedestrian_crossing_physical_facilities_historic,"
    "pedestrian_crossing,light_conditions,weather_conditions,road_surface_conditions,"
    "special_conditions_at_site,carriageway_hazards_historic,carriageway_hazards,urban_or_rural_area,"
    "did_police_officer_attend_scene_of_accident,trunk_road_flag,lsoa_of_accident_location,"
    "enhanced_severity_collision,collision_injury_based,collision_adjusted_severity_serious,"
    "collision_adjusted_severity_slight").split(",")
CASUALTY_COLUMNS = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,casualty_reference,casualty_class,"
    "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,"
    "pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,"
    "casualty_type,casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,"
    "casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_distance_banding"
).split(",")
VEHICLE_COLUMNS = (
    "collision_index,collision_year,collision_ref_no,vehicle_reference,vehicle_type,"
    "towing_and_articulation,vehicle_manoeuvre_historic,vehicle_manoeuvre,vehicle_direction_from,"
    "vehicle_direction_to,vehicle_location_restricted_lane_historic,vehicle_location_restricted_lane,"
    "junction_location,skidding_and_overturning,hit_object_in_carriageway,vehicle_leaving_carriageway,"
    "hit_object_off_carriageway,first_point_of_impact,vehicle_left_hand_drive,"
    "journey_purpose_of_driver_historic,journey_purpose_of_driver,sex_of_driver,age_of_driver,"
    "age_band_of_driver,engine_capacity_cc,propulsion_code,age_of_vehicle,generic_make_model,"
    "driver_imd_decile,lsoa_of_driver,escooter_flag,driver_distance_banding").split(",")

PRC_CSP_COLUMNS = ["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description",
                   "Offence Group", "Offence Subgroup", "Offence Code", "Number of Offences"]
PRC_PFA_COLUMNS = [c for c in PRC_CSP_COLUMNS if c != "CSP Name"]
CALLS_999_COLUMNS = ["Month", "Force Name", "Total 999 calls", "Calls answered within 10 seconds",
                     "Calls answered in over 60 seconds"]
IMD_COLUMNS = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
               "Local Authority District name (2019)",
               "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
               "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]
ETHNICITY_COLUMNS = ["Ethnic group: Asian, Asian British or Asian Welsh",
                     "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
                     "Ethnic group: Mixed or Multiple ethnic groups",
                     "Ethnic group: White",
                     "Ethnic group: Other ethnic group"]
INDICATOR_COLUMNS = ["measure", "period", "area", "value", "denominator", "notes"]

NATIONAL_LSOAS = 32844           # LSOAs in England (IMD 2019), for ranks and deciles

# police.uk crime types: 2019 monthly count for the force at scale 1, yearly trend (log), seasonal
# amplitude (+ summer peak, - winter peak), response to the 2020-21 lockdowns (1 = falls with them,
# negative = rises), deprivation gradient, town-centre multiplier, share recorded with no location.
CRIME_TYPES = {
    "Anti-social behaviour":        dict(base=1650, trend=-0.050, season=0.25, covid=-1.5, dep=0.39, centre=2.0, noloc=0.002),
    "Bicycle theft":                dict(base=55,   trend=-0.060, season=0.35, covid=0.5,  dep=0.11, centre=2.0, noloc=0.04),
    "Burglary":                     dict(base=340,  trend=-0.060, season=-0.10, covid=1.0, dep=0.28, centre=1.0, noloc=0.01),
    "Criminal damage and arson":    dict(base=480,  trend=-0.020, season=0.08, covid=0.4,  dep=0.39, centre=1.5, noloc=0.01),
    "Drugs":                        dict(base=120,  trend=0.000,  season=0.00, covid=-0.5, dep=0.50, centre=2.5, noloc=0.02),
    "Other crime":                  dict(base=130,  trend=0.040,  season=0.00, covid=0.3,  dep=0.28, centre=1.5, noloc=0.15),
    "Other theft":                  dict(base=330,  trend=-0.040, season=0.10, covid=0.9,  dep=0.17, centre=2.5, noloc=0.05),
    "Possession of weapons":        dict(base=45,   trend=0.040,  season=0.10, covid=0.3,  dep=0.50, centre=2.5, noloc=0.02),
    "Public order":                 dict(base=380,  trend=0.050,  season=0.12, covid=0.3,  dep=0.39, centre=2.5, noloc=0.01),
    "Robbery":                      dict(base=45,   trend=-0.030, season=0.00, covid=1.0,  dep=0.50, centre=2.5, noloc=0.01),
    "Shoplifting":                  dict(base=270,  trend=-0.030, season=0.05, covid=1.2,  dep=0.22, centre=4.0, noloc=0.01),
    "Theft from the person":        dict(base=42,   trend=-0.040, season=0.10, covid=1.2,  dep=0.22, centre=4.0, noloc=0.03),
    "Vehicle crime":                dict(base=310,  trend=-0.050, season=0.05, covid=0.9,  dep=0.28, centre=1.2, noloc=0.01),
    "Violence and sexual offences": dict(base=1850, trend=0.040,  season=0.10, covid=0.5,  dep=0.44, centre=2.0, noloc=0.02),
}
CRIME_TYPE_NAMES = list(CRIME_TYPES)
ASB = CRIME_TYPE_NAMES.index("Anti-social behaviour")
NEIGHBOURHOOD = ("Burglary", "Robbery", "Theft from the person", "Vehicle crime")
SHOPLIFTING_SURGE = (3.3, 0.30)  # shoplifting rises 30% a year from spring 2022

# Month multipliers for the 2020-21 lockdowns (1 = no effect).
COVID = {"2020-03": 0.85, "2020-04": 0.58, "2020-05": 0.68, "2020-06": 0.82, "2020-07": 0.92,
         "2020-08": 0.95, "2020-09": 0.95, "2020-10": 0.93, "2020-11": 0.80, "2020-12": 0.90,
         "2021-01": 0.74, "2021-02": 0.76, "2021-03": 0.85, "2021-04": 0.92, "2021-05": 0.95,
         "2021-06": 0.97}

# Templates for the districts, in params order (cycled if there are more than five).
DISTRICT_TEMPLATES = [
    # lsoas, deprivation mean, population growth a year, neighbourhood / ASB / violence trend adjustments
    dict(lsoas=206, dep=0.05, growth=0.006, nbh=0.000, asb=0.00, vio=0.000, lat=52.86, lon=-1.55,
         eth=(0.050, 0.015, 0.022, 0.900, 0.013), hh=2.33),
    dict(lsoas=163, dep=0.60, growth=0.009, nbh=0.010, asb=0.00, vio=0.010, lat=52.97, lon=-1.18,
         eth=(0.120, 0.045, 0.035, 0.780, 0.020), hh=2.41),
    dict(lsoas=150, dep=0.95, growth=0.003, nbh=0.090, asb=0.02, vio=0.020, lat=52.70, lon=-1.24,
         eth=(0.070, 0.030, 0.025, 0.860, 0.015), hh=2.28),
    dict(lsoas=112, dep=-0.65, growth=0.005, nbh=-0.010, asb=-0.02, vio=-0.010, lat=53.08, lon=-1.60,
         eth=(0.012, 0.004, 0.013, 0.965, 0.006), hh=2.30),
    dict(lsoas=119, dep=-0.30, growth=0.008, nbh=0.000, asb=0.01, vio=0.000, lat=52.70, lon=-0.90,
         eth=(0.030, 0.012, 0.018, 0.930, 0.010), hh=2.37),
]

# Most similar group peers (after the force itself): population at mid-2019, crime rate relative to
# Demoshire, yearly drift of that rate, 999 performance.
PEER_TEMPLATES = [
    dict(pop=1_050_000, rate=1.12, drift=0.010, calls999=0.93),
    dict(pop=1_550_000, rate=0.85, drift=-0.010, calls999=0.91),
    dict(pop=920_000, rate=1.25, drift=0.020, calls999=0.88),
    dict(pop=1_320_000, rate=0.95, drift=0.000, calls999=0.94),
    dict(pop=1_750_000, rate=1.05, drift=0.015, calls999=0.86),
    dict(pop=860_000, rate=0.78, drift=-0.005, calls999=0.95),
    dict(pop=1_120_000, rate=1.18, drift=0.005, calls999=0.90),
]

STREET_WORDS = ["Mill", "Church", "Station", "Victoria", "Albert", "Park", "King", "Queen", "Orchard",
                "Meadow", "Chapel", "Springfield", "Highfield", "Brook", "Willow", "Ash", "Beech", "Oak",
                "Elm", "Cedar", "Hawthorn", "Priory", "Abbey", "Castle", "Market", "Bridge", "Windmill",
                "Grange", "Manor", "Forge", "Kiln", "Tannery", "Foundry", "Canal", "Railway", "Heath",
                "Moor", "Fern", "Rowan", "Larch", "Hazel", "Linden", "Juniper", "Bramble", "Thistle",
                "Clover", "Cherry", "Plum", "Walnut", "Chestnut", "Poplar", "Sycamore", "Holly", "Ivy",
                "Laurel", "Primrose", "Bluebell", "Foxglove", "Heather", "Marigold", "Nelson", "Wellington",
                "Raleigh", "Drake", "Darwin", "Newton", "Byron", "Shelley", "Keats", "Milton", "Tennyson",
                "Cromwell", "Stanley", "Gladstone", "Peel", "Pitt", "Grosvenor", "Cavendish", "Spencer",
                "Russell", "Howard", "Percy", "Neville", "Beaumont", "Montague", "Fairfax", "Lancaster",
                "York", "Tudor", "Stuart", "Hanover", "Windsor", "Ashby", "Brook", "Castle", "Dun", "East"]
STREET_SUFFIXES = ["Street", "Road", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens",
                   "Grove", "Place", "Court", "Terrace", "View", "Rise", "Walk", "Mews", "Square", "Green",
                   "Row"]
PLACES = ["Supermarket", "Parking Area", "Shopping Area", "Petrol Station", "Sports/Recreation Area",
          "Nightclub", "Hospital", "Park/Open Space", "Police Station", "Pedestrian Subway",
          "Further/Higher Educational Building", "Bus/Coach Station", "Theatre/Concert Hall",
          "Conference/Exhibition Centre"]

# Outcomes. A crime either ends without a court case or is charged and goes to court.
NONCOURT = ["Investigation complete; no suspect identified", "Unable to prosecute suspect",
            "Further investigation is not in the public interest",
            "Further action is not in the public interest", "Formal action is not in the public interest",
            "Local resolution", "Offender given a caution", "Offender given a drugs possession warning",
            "Offender given penalty notice", "Action to be taken by another organisation",
            "Suspect charged as part of another case", "Status update unavailable"]
COURT = ["Offender sent to prison", "Offender given suspended prison sentence",
         "Offender given community sentence", "Offender fined", "Offender given conditional discharge",
         "Offender otherwise dealt with", "Defendant found not guilty", "Court case unable to proceed",
         "Court result unavailable"]
COURT_P = [0.12, 0.10, 0.15, 0.18, 0.06, 0.04, 0.07, 0.05, 0.23]
PENDING = ["Under investigation", "Awaiting court outcome"]
ALL_OUTCOMES = NONCOURT + COURT + PENDING + ["Suspect charged", ""]
# Weights over NONCOURT (normalised) and the probability of a charge, by crime type.
OUTCOME_WEIGHTS = {
    "Violence and sexual offences": ([12, 55, 3, 3, 1, 4, 3, 0, 0, 5, 1, 4], 0.06),
    "Burglary":                     ([72, 12, 3, 1, 0, 1, 0.5, 0, 0, 2, 2, 3], 0.04),
    "Vehicle crime":                ([82, 7, 2, 1, 0, 1, 0, 0, 0, 2, 1, 3], 0.02),
    "Robbery":                      ([45, 30, 3, 2, 1, 2, 2, 0, 0, 2, 3, 3], 0.10),
    "Theft from the person":        ([80, 10, 2, 1, 0, 1, 1, 0, 0, 1, 1, 3], 0.02),
    "Bicycle theft":                ([85, 6, 2, 1, 0, 1, 0, 0, 0, 1, 1, 3], 0.01),
    "Shoplifting":                  ([40, 20, 2, 3, 1, 8, 4, 0, 1, 2, 2, 3], 0.20),
    "Other theft":                  ([70, 17, 2, 1, 0, 2, 1, 0, 0, 2, 1, 3], 0.03),
    "Criminal damage and arson":    ([62, 22, 2, 2, 1, 4, 1, 0, 0, 2, 1, 3], 0.04),
    "Drugs":                        ([2, 12, 5, 5, 2, 18, 6, 25, 3, 2, 1, 4], 0.15),
    "Possession of weapons":        ([5, 30, 5, 5, 2, 5, 8, 0, 0, 3, 3, 4], 0.30),
    "Public order":                 ([25, 45, 3, 3, 1, 6, 3, 0, 1, 4, 1, 3], 0.05),
    "Other crime":                  ([25, 35, 3, 3, 1, 3, 3, 0, 0, 15, 2, 4], 0.06),
}

# Home Office offence codes: (code, description, group, subgroup, police.uk type, share of that type).
VAP, SEX, THEFT = "Violence against the person", "Sexual offences", "Theft offences"
VSO = "Violence and sexual offences"
HO_OFFENCES = [
    ("1", "Murder", VAP, "Homicide", VSO, 0.0004),
    ("4.1", "Manslaughter", VAP, "Homicide", VSO, 0.0001),
    ("4.4", "Causing death or serious injury by dangerous driving", VAP,
     "Death or serious injury caused by unlawful driving", VSO, 0.0008),
    ("4.6", "Causing death by careless driving when under the influence of drink or drugs", VAP,
     "Death or serious injury caused by unlawful driving", VSO, 0.0001),
    ("4.8", "Causing death or serious injury by careless or inconsiderate driving", VAP,
     "Death or serious injury caused by unlawful driving", VSO, 0.0005),
    ("4.9", "Causing death or serious injury by driving: unlicensed, disqualified or uninsured drivers",
     VAP, "Death or serious injury caused by unlawful driving", VSO, 0.0001),
    ("2", "Attempted murder", VAP, "Violence with injury", VSO, 0.0008),
    ("5D", "Assault with intent to cause serious harm", VAP, "Violence with injury", VSO, 0.016),
    ("5E", "Endangering life", VAP, "Violence with injury", VSO, 0.004),
    ("8N", "Assault with injury", VAP, "Violence with injury", VSO, 0.215),
    ("8P", "Racially or religiously aggravated assault with injury", VAP, "Violence with injury", VSO, 0.003),
    ("8S", "Assault with injury on a constable", VAP, "Violence with injury", VSO, 0.004),
    ("105A", "Assault without injury", VAP, "Violence without injury", VSO, 0.235),
    ("105B", "Racially or religiously aggravated assault without injury", VAP, "Violence without injury",
     VSO, 0.006),
    ("104", "Assault without injury on a constable", VAP, "Violence without injury", VSO, 0.018),
    ("3B", "Threats to kill", VAP, "Violence without injury", VSO, 0.012),
    ("11A", "Cruelty to children/young persons", VAP, "Violence without injury", VSO, 0.008),
    ("36", "Kidnapping", VAP, "Violence without injury", VSO, 0.002),
    ("106", "Modern slavery", VAP, "Violence without injury", VSO, 0.002),
    ("8Q", "Stalking", VAP, "Stalking and harassment", VSO, 0.045),
    ("8R", "Harassment", VAP, "Stalking and harassment", VSO, 0.105),
    ("8M", "Racially or religiously aggravated harassment", VAP, "Stalking and harassment", VSO, 0.006),
    ("8U", "Controlling or coercive behaviour", VAP, "Stalking and harassment", VSO, 0.030),
    ("9A", "Malicious communications", VAP, "Stalking and harassment", VSO, 0.160),
    ("19C", "Rape of a female aged 16 and over", SEX, "Rape", VSO, 0.018),
    ("19D", "Rape of a female child under 16", SEX, "Rape", VSO, 0.005),
    ("19E", "Rape of a female child under 13", SEX, "Rape", VSO, 0.003),
    ("19F", "Rape of a male aged 16 and over", SEX, "Rape", VSO, 0.001),
    ("19G", "Rape of a male child under 16", SEX, "Rape", VSO, 0.0006),
    ("19H", "Rape of a male child under 13", SEX, "Rape", VSO, 0.001),
    ("17A", "Sexual assault on a male aged 13 and over", SEX, "Other sexual offences", VSO, 0.002),
    ("20A", "Sexual assault on a female aged 13 and over", SEX, "Other sexual offences", VSO, 0.020),
    ("20B", "Sexual assault on a female child under 13", SEX, "Other sexual offences", VSO, 0.003),
    ("22B", "Sexual activity involving a child under 16", SEX, "Other sexual offences", VSO, 0.006),
    ("88A", "Sexual grooming", SEX, "Other sexual offences", VSO, 0.002),
    ("88E", "Exposure and voyeurism", SEX, "Other sexual offences", VSO, 0.008),
    ("71", "Abuse of children through sexual exploitation", SEX, "Other sexual offences", VSO, 0.001),
    ("34A", "Robbery of business property", "Robbery", "Robbery", "Robbery", 0.12),
    ("34B", "Robbery of personal property", "Robbery", "Robbery", "Robbery", 0.88),
    ("28E", "Burglary - residential", THEFT, "Burglary", "Burglary", 0.58),
    ("28F", "Attempted burglary - residential", THEFT, "Burglary", "Burglary", 0.10),
    ("29A", "Aggravated burglary - residential", THEFT, "Burglary", "Burglary", 0.01),
    ("30C", "Burglary - business and community", THEFT, "Burglary", "Burglary", 0.27),
    ("30D", "Attempted burglary - business and community", THEFT, "Burglary", "Burglary", 0.04),
    ("45", "Theft from a vehicle", THEFT, "Vehicle offences", "Vehicle crime", 0.52),
    ("48", "Theft or unauthorised taking of a motor vehicle", THEFT, "Vehicle offences", "Vehicle crime", 0.27),
    ("37.2", "Aggravated vehicle taking", THEFT, "Vehicle offences", "Vehicle crime", 0.02),
    ("126", "Interfering with a motor vehicle", THEFT, "Vehicle offences", "Vehicle crime", 0.19),
    ("39", "Theft from the person", THEFT, "Theft from the person", "Theft from the person", 1.0),
    ("44", "Theft or unauthorised taking of a pedal cycle", THEFT, "Bicycle theft", "Bicycle theft", 1.0),
    ("46", "Shoplifting", THEFT, "Shoplifting", "Shoplifting", 1.0),
    ("40", "Theft in a dwelling other than from an automatic machine or meter", THEFT,
     "All other theft offences", "Other theft", 0.10),
    ("41", "Theft by an employee", THEFT, "All other theft offences", "Other theft", 0.03),
    ("49", "Other theft", THEFT, "All other theft offences", "Other theft", 0.79),
    ("54", "Handling stolen goods", THEFT, "All other theft offences", "Other theft", 0.03),
    ("35", "Blackmail", THEFT, "All other theft offences", "Other theft", 0.05),
    ("56A", "Arson endangering life", "Criminal damage and arson", "Criminal damage and arson",
     "Criminal damage and arson", 0.01),
    ("56B", "Arson not endangering life", "Criminal damage and arson", "Criminal damage and arson",
     "Criminal damage and arson", 0.06),
    ("58A", "Criminal damage to a dwelling", "Criminal damage and arson", "Criminal damage and arson",
     "Criminal damage and arson", 0.26),
    ("58B", "Criminal damage to a building other than a dwelling", "Criminal damage and arson",
     "Criminal damage and arson", "Criminal damage and arson", 0.13),
    ("58C", "Criminal damage to a vehicle", "Criminal damage and arson", "Criminal damage and arson",
     "Criminal damage and arson", 0.33),
    ("58D", "Other criminal damage", "Criminal damage and arson", "Criminal damage and arson",
     "Criminal damage and arson", 0.19),
    ("59", "Threat or possession with intent to commit criminal damage", "Criminal damage and arson",
     "Criminal damage and arson", "Criminal damage and arson", 0.02),
    ("92A", "Trafficking in controlled drugs", "Drug offences", "Trafficking of drugs", "Drugs", 0.18),
    ("92C", "Other drug offences", "Drug offences", "Possession of drugs", "Drugs", 0.02),
    ("92D", "Possession of controlled drugs (excluding cannabis)", "Drug offences", "Possession of drugs",
     "Drugs", 0.20),
    ("92E", "Possession of controlled drugs (cannabis)", "Drug offences", "Possession of drugs", "Drugs", 0.60),
    ("10A", "Possession of firearms with intent", "Possession of weapons offences",
     "Possession of weapons offences", "Possession of weapons", 0.03),
    ("10C", "Possession of other weapons", "Possession of weapons offences",
     "Possession of weapons offences", "Possession of weapons", 0.22),
    ("10D", "Possession of article with blade or point", "Possession of weapons offences",
     "Possession of weapons offences", "Possession of weapons", 0.70),
    ("81", "Other firearms offences", "Possession of weapons offences", "Possession of weapons offences",
     "Possession of weapons", 0.05),
    ("9B", "Public fear, alarm or distress", "Public order offences", "Public order offences",
     "Public order", 0.78),
    ("9C", "Racially or religiously aggravated public fear, alarm or distress", "Public order offences",
     "Public order offences", "Public order", 0.14),
    ("62A", "Violent disorder", "Public order offences", "Public order offences", "Public order", 0.01),
    ("66", "Other offences against the State or public order", "Public order offences",
     "Public order offences", "Public order", 0.07),
    ("33", "Going equipped for stealing", "Miscellaneous crimes against society",
     "Miscellaneous crimes against society", "Other crime", 0.06),
    ("61A", "Possession of false documents", "Miscellaneous crimes against society",
     "Miscellaneous crimes against society", "Other crime", 0.07),
    ("802", "Dangerous driving", "Miscellaneous crimes against society",
     "Miscellaneous crimes against society", "Other crime", 0.30),
    ("95", "Disclosure, obstruction, false or misleading statements", "Miscellaneous crimes against society",
     "Miscellaneous crimes against society", "Other crime", 0.17),
    ("99", "Other notifiable offences", "Miscellaneous crimes against society",
     "Miscellaneous crimes against society", "Other crime", 0.40),
]

# STATS19 code distributions for columns drawn independently (from DfT's 2024 file, West Yorkshire).
S19_COLLISION = {
    "first_road_class": ([6, 3, 4, 1, 2], [0.513, 0.348, 0.091, 0.041, 0.007]),
    "road_type": ([6, 3, 9, 1, 2, 7], [0.749, 0.151, 0.034, 0.033, 0.019, 0.014]),
    "speed_limit": ([30, 20, 40, 70, 60, 50], [0.679, 0.106, 0.104, 0.048, 0.039, 0.024]),
    "junction_detail": ([0, 13, 16, 19, -1, 18, 17], [0.403, 0.265, 0.136, 0.107, 0.059, 0.021, 0.009]),
    "junction_control": ([4, -1, 2, 3, 1], [0.473, 0.406, 0.106, 0.008, 0.006]),
    "second_road_class": ([6, 3, -1, 4, 1, 2], [0.76, 0.108, 0.087, 0.03, 0.013, 0.002]),
    "pedestrian_crossing": ([0, 15, 14, 13, 12, 17, 11, -1], [0.808, 0.06, 0.039, 0.038, 0.026, 0.024, 0.004, 0.001]),
    "light_conditions": ([1, 4, 6, 7, 5], [0.683, 0.262, 0.026, 0.019, 0.01]),
    "weather_conditions": ([1, 2, 8, 9, 4, 5, 3, 7], [0.778, 0.13, 0.029, 0.017, 0.017, 0.015, 0.007, 0.006]),
    "road_surface_conditions": ([1, 2, 4, 3], [0.704, 0.276, 0.014, 0.005]),
    "carriageway_hazards": ([0, 13, 17, 11, 16, 21, 19, 18], [0.952, 0.015, 0.013, 0.005, 0.004, 0.003, 0.002, 0.002]),
    "urban_or_rural_area": ([1, 2], [0.74, 0.26]),
    "did_police_officer_attend_scene_of_accident": ([1, 2], [0.767, 0.233]),
    "trunk_road_flag": ([2, 1], [0.95, 0.05]),
}
S19_VEHICLE = {
    "towing_and_articulation": ([0, 1, 4, -1, 3], [0.998, 0.001, 0.001, 0.0003, 0.0003]),
    "vehicle_manoeuvre": ([19, 9, -1, 2, 5, 4, 7, 3, 13, 12, 11, 1, 6, 10],
                          [0.548, 0.095, 0.084, 0.07, 0.046, 0.037, 0.03, 0.021, 0.01, 0.01, 0.01, 0.009, 0.007, 0.007]),
    "vehicle_direction_from": ([1, 5, 3, 7, -1, 0, 2, 6, 8, 4],
                               [0.228, 0.17, 0.15, 0.148, 0.089, 0.054, 0.045, 0.043, 0.04, 0.034]),
    "vehicle_direction_to": ([1, 5, 3, 7, -1, 0, 2, 6, 4, 8],
                             [0.199, 0.185, 0.159, 0.145, 0.09, 0.053, 0.05, 0.043, 0.04, 0.035]),
    "vehicle_location_restricted_lane": ([0, -1, 9, 4, 2, 1, 5], [0.868, 0.089, 0.028, 0.007, 0.003, 0.003, 0.001]),
    "junction_location": ([0, 8, 1, 2, -1, 6, 4, 3, 5, 7],
                          [0.398, 0.252, 0.191, 0.05, 0.035, 0.03, 0.017, 0.013, 0.012, 0.002]),
    "skidding_and_overturning": ([0, -1, 1, 5, 2], [0.817, 0.087, 0.053, 0.031, 0.012]),
    "hit_object_in_carriageway": ([0, -1, 4, 10, 11, 7, 2, 1, 8],
                                  [0.866, 0.088, 0.022, 0.01, 0.007, 0.004, 0.001, 0.001, 0.001]),
    "vehicle_leaving_carriageway": ([0, -1, 1, 7, 3, 2, 8, 4, 5, 6],
                                    [0.824, 0.089, 0.044, 0.024, 0.005, 0.005, 0.003, 0.003, 0.002, 0.001]),
    "hit_object_off_carriageway": ([0, -1, 11, 1, 10, 2, 4, 7, 3, 9, 6, 5],
                                   [0.897, 0.056, 0.016, 0.007, 0.006, 0.006, 0.004, 0.003, 0.002, 0.001, 0.001, 0.001]),
    "first_point_of_impact": ([1, 3, 2, 4, -1, 0], [0.46, 0.148, 0.133, 0.128, 0.091, 0.04]),
    "vehicle_left_hand_drive": ([1, 2, 9], [0.984, 0.015, 0.001]),
    "journey_purpose_of_driver": ([6, 9, 1, 2, 7], [0.446, 0.322, 0.126, 0.094, 0.012]),
    "sex_of_driver": ([1, 2, 3, -1], [0.566, 0.237, 0.131, 0.066]),
    "propulsion_code": ([1, 2, -1, 8, 3, 12, 7], [0.348, 0.332, 0.224, 0.077, 0.016, 0.003, 0.001]),
    "age_of_vehicle": ([-1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20],
                       [0.224, 0.041, 0.039, 0.037, 0.036, 0.045, 0.044, 0.046, 0.046, 0.049, 0.053, 0.051,
                        0.044, 0.04, 0.037, 0.038, 0.03, 0.025, 0.02, 0.054]),
}
S19_VEHICLE_TYPE = ([9, 1, 19, 3, 5, 11, 90, 21, 8, -1, 4, 23, 97, 98, 2, 20],
                    [0.772, 0.066, 0.047, 0.018, 0.015, 0.015, 0.012, 0.011, 0.007, 0.006, 0.005, 0.005,
                     0.005, 0.004, 0.003, 0.003])
S19_ENGINE = ([-1, 1598, 1968, 999, 998, 1995, 1560, 1798, 1461, 1242, 1499, 1199, 2993, 1498, 1984, 1997,
               1797, 2143, 1198, 1998, 1248, 1398, 1197, 1596, 1390, 1395, 1364, 1200, 1580],
              [0.24, 0.061, 0.052, 0.036, 0.035, 0.033, 0.024, 0.024, 0.019, 0.016, 0.015, 0.015, 0.014, 0.014,
               0.013, 0.013, 0.012, 0.012, 0.011, 0.011, 0.01, 0.01, 0.01, 0.008, 0.008, 0.008, 0.007, 0.007,
               0.007])
S19_MAKES = ["VOLKSWAGEN GOLF", "FORD FIESTA", "VAUXHALL CORSA", "FORD FOCUS", "TOYOTA YARIS", "TOYOTA AURIS",
             "BMW 3 SERIES", "AUDI A3", "VOLKSWAGEN POLO", "VAUXHALL ASTRA", "MAKE AND MODEL REDACTED",
             "SEAT LEON", "NISSAN QASHQAI", "TOYOTA PRIUS", "TOYOTA COROLLA", "SEAT IBIZA", "BMW 1 SERIES",
             "MERCEDES C CLASS", "MERCEDES A CLASS", "NISSAN JUKE", "FORD TRANSIT", "SKODA FABIA", "AUDI A1",
             "AUDI A4", "PEUGEOT 308", "RENAULT CLIO", "VOLKSWAGEN PASSAT", "SKODA OCTAVIA", "KIA SPORTAGE",
             "HONDA CIVIC"]

# Stop and search vocabularies, as police.uk writes them.
SELF_DEFINED = {
    "WB": "White - English/Welsh/Scottish/Northern Irish/British", "WI": "White - Irish",
    "WG": "White - Gypsy or Irish Traveller", "WO": "White - Any other White background",
    "AI": "Asian/Asian British - Indian", "AP": "Asian/Asian British - Pakistani",
    "AB": "Asian/Asian British - Bangladeshi", "AC": "Asian/Asian British - Chinese",
    "AO": "Asian/Asian British - Any other Asian background",
    "BA": "Black/African/Caribbean/Black British - African",
    "BC": "Black/African/Caribbean/Black British - Caribbean",
    "BO": "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    "MC": "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "MB": "Mixed/Multiple ethnic groups - White and Black African",
    "MA": "Mixed/Multiple ethnic groups - White and Asian",
    "MO": "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    "OA": "Other ethnic group - Arab", "OO": "Other ethnic group - Any other ethnic group",
    "NS": "Other ethnic group - Not stated", "": "",
}
OFFICER_ETHNICITY = ["White", "Asian", "Black", "Mixed", "Other", ""]
SELF_GIVEN_OFFICER = {
    "White": {"WB": 70, "WO": 7, "WI": 1, "WG": 2, "NS": 15, "MC": 1.5, "MO": 1.5, "": 2},
    "Asian": {"AP": 35, "AI": 12, "AB": 8, "AO": 12, "AC": 2, "NS": 18, "MA": 4, "OO": 5, "OA": 2, "": 2},
    "Black": {"BA": 30, "BC": 22, "BO": 10, "MC": 10, "MB": 4, "NS": 20, "OO": 2, "": 2},
    "Mixed": {"MC": 30, "MB": 10, "MA": 15, "MO": 20, "NS": 20, "": 5},
    "Other": {"OA": 25, "OO": 35, "NS": 30, "AO": 5, "WO": 5},
    "": {"NS": 60, "": 30, "WB": 10},
}
LEGISLATION = ["Misuse of Drugs Act 1971 (section 23)", "Police and Criminal Evidence Act 1984 (section 1)",
               "Firearms Act 1968 (section 47)", "Criminal Justice and Public Order Act 1994 (section 60)", ""]
OBJECTS_GIVEN_LEGISLATION = [
    {"Controlled drugs": 99, "Psychoactive substances": 1},
    {"Offensive weapons": 40, "Stolen goods": 22, "Article for use in theft": 25,
     "Articles for use in criminal damage": 7, "Anything to threaten or harm anyone": 6},
    {"Firearms": 100},
    {"Offensive weapons": 100},
    {"Evidence of offences under the Act": 50, "": 50},
]
SS_OUTCOMES = ["A no further action disposal", "Arrest", "Community resolution", "Khat or Cannabis warning",
               "Summons / charged by post", "Caution (simple or conditional)", "Penalty Notice for Disorder", ""]
SS_OUTCOME_P = {
    "drugs": [66, 10, 14, 5, 3, 1, 0.5, 0.5],
    "other": [76, 15, 4, 0, 2.5, 1, 0.5, 1],
}


def _peer_template(msg: list[str], force: str, name: str) -> dict:
    """The template a peer force's figures are made from: by its place among the peers (the force
    itself left out), so its crimes, calls and population come from the same template."""
    peers = [m for m in msg if m != force]
    return PEER_TEMPLATES[peers.index(name) % len(PEER_TEMPLATES)]


# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------

def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent generator per dataset, so changing one dataset never shifts another."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def _p(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _month_range(start: str, end: str) -> list[str]:
    y0, m0 = map(int, start.split("-"))
    y1, m1 = map(int, end.split("-"))
    out = []
    y, m = y0, m0
    while (y, m) <= (y1, m1):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_index(month: str) -> int:
    """Months since January 2019 (negative before)."""
    y, m = map(int, month.split("-"))
    return (y - 2019) * 12 + (m - 1)


def _choice(rng: np.random.Generator, values, weights, size) -> np.ndarray:
    idx = rng.choice(len(values), size=size, p=_p(weights))
    return np.asarray(values, dtype=object)[idx]


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _write_frame(path: Path, frame: pd.DataFrame, lineterminator: str = "\n") -> None:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator=lineterminator)
    _write_text(path, buf.getvalue())


def _lines(*columns) -> list[str]:
    """CSV lines (no quoting: every value written here is free of commas and quotes)."""
    return [",".join(row) for row in zip(*columns)]


def _resolve_params(params):
    from needs_assessment.params import Params, load_params
    if isinstance(params, (str, Path)):
        return load_params(params)
    if isinstance(params, dict):
        return Params.model_validate(params)
    return params


# ----------------------------------------------------------------------------------------------
# Geography: LSOAs, populations, deprivation, snap points
# ----------------------------------------------------------------------------------------------

@dataclass
class Geography:
    districts: list[str]
    lad_codes: list[str]
    lsoa_code: np.ndarray        # object
    lsoa_name: np.ndarray        # object
    district: np.ndarray         # int
    lat: np.ndarray
    lon: np.ndarray
    dep: np.ndarray              # latent deprivation (higher = more deprived)
    imd_rank: np.ndarray
    imd_decile: np.ndarray
    centre: np.ndarray           # bool: town-centre LSOA
    pop: dict                    # year -> int array per LSOA
    snap_lat: np.ndarray         # (n_lsoa, K)
    snap_lon: np.ndarray
    snap_street: np.ndarray      # object (n_lsoa, K): location text after "On or near "
    snap_is_place: np.ndarray    # bool
    snap_weight: np.ndarray      # (K,)

    @property
    def n(self) -> int:
        return len(self.lsoa_code)


SNAPS = 12


def build_geography(districts: list[str], seed: int, years: list[int]) -> Geography:
    rng = _rng(seed, "geography")
    lsoa_code, lsoa_name, district, lat, lon, dep, centre = [], [], [], [], [], [], []
    code = 0
    for d, name in enumerate(districts):
        t = DISTRICT_TEMPLATES[d % len(DISTRICT_TEMPLATES)]
        n = t["lsoas"]
        msoa, letter = 1, 0
        per_msoa = int(rng.integers(4, 7))
        for i in range(n):
            code += 1
            lsoa_code.append(f"E01{900000 + code:06d}")
            lsoa_name.append(f"{name} {msoa:03d}{'ABCDEFG'[letter]}")
            district.append(d)
            centre.append(msoa <= 1 or (msoa == 2 and letter < 2))
            letter += 1
            if letter >= per_msoa:
                msoa, letter = msoa + 1, 0
                per_msoa = int(rng.integers(4, 7))
        # a town with the centre at the district's reference point, more deprived near the middle
        r = np.sqrt(rng.uniform(0, 1, n)) * 0.10
        ang = rng.uniform(0, 2 * np.pi, n)
        r[:8] *= 0.1
        lat.extend(t["lat"] + r * np.sin(ang))
        lon.extend(t["lon"] + r * np.cos(ang) * 1.6)
        dep.extend(t["dep"] + rng.normal(0, 0.85, n) + 0.9 * (0.05 - r) / 0.10)
    dep = np.array(dep)
    # national IMD ranks: a latent score on the national N(0,1) scale; unique ranks
    raw = np.clip(np.round((1 - _norm_cdf(dep)) * NATIONAL_LSOAS), 1, NATIONAL_LSOAS).astype(int)
    order = np.argsort(raw, kind="stable")
    ranks = raw[order].copy()
    for i in range(1, len(ranks)):
        if ranks[i] <= ranks[i - 1]:
            ranks[i] = ranks[i - 1] + 1
    imd_rank = np.empty_like(raw)
    imd_rank[order] = np.minimum(ranks, NATIONAL_LSOAS)
    imd_decile = np.minimum(10, (imd_rank - 1) * 10 // NATIONAL_LSOAS + 1)

    n = len(lsoa_code)
    district = np.array(district)
    base = np.clip(rng.lognormal(np.log(1600), 0.18, n), 1050, 3300)
    pop = {}
    growth_noise = rng.normal(0, 0.004, n)
    for k, year in enumerate(years):
        g = np.array([DISTRICT_TEMPLATES[d % len(DISTRICT_TEMPLATES)]["growth"] for d in district])
        pop[year] = np.round(base * np.exp((g + growth_noise) * (year - 2019))).astype(int)

    # snap points: police.uk moves each crime to one of a fixed set of anonymous map points
    snap_lat = np.array(lat)[:, None] + rng.normal(0, 0.0035, (n, SNAPS))
    snap_lon = np.array(lon)[:, None] + rng.normal(0, 0.0055, (n, SNAPS))
    words = rng.choice(len(STREET_WORDS), (n, SNAPS))
    suffix = rng.choice(len(STREET_SUFFIXES), (n, SNAPS))
    streets = np.array([f"{w} {s}" for w, s in zip(np.asarray(STREET_WORDS)[words].ravel(),
                                                   np.asarray(STREET_SUFFIXES)[suffix].ravel())],
                       dtype=object).reshape(n, SNAPS)
    place_p = np.where(np.array(centre), 0.45, 0.12)[:, None]
    is_place = rng.uniform(0, 1, (n, SNAPS)) < place_p
    places = np.asarray(PLACES, dtype=object)[rng.choice(len(PLACES), (n, SNAPS))]
    streets = np.where(is_place, places, streets)
    snap_weight = _p(0.82 ** np.arange(SNAPS))
    return Geography(list(districts), [f"E06{900001 + i:06d}" for i in range(len(districts))],
                     np.array(lsoa_code, dtype=object), np.array(lsoa_name, dtype=object), district,
                     np.array(lat), np.array(lon), dep, imd_rank, imd_decile, np.array(centre), pop,
                     snap_lat, snap_lon, streets, is_place, snap_weight)


# ----------------------------------------------------------------------------------------------
# Boundaries: LSOAs and districts that tile the force area, in British National Grid
# ----------------------------------------------------------------------------------------------

FORCE_MARGIN_M = 3000.0          # the force area: the LSOAs' centres' hull, this far out


def _to_bng(lon, lat):
    from pyproj import Transformer
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _to_wgs84(x, y):
    from pyproj import Transformer
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def lsoa_cells(geo: Geography) -> list:
    """Each LSOA's shape: the Voronoi cell of its centre within the force area (the hull of the
    centres, FORCE_MARGIN_M out), in British National Grid. The cells tile the force area, and
    each district is the union of its LSOAs' cells."""
    import shapely
    x, y = _to_bng(geo.lon, geo.lat)
    centres = shapely.points(np.column_stack([x, y]))
    area = shapely.buffer(shapely.convex_hull(shapely.multipoints(centres)), FORCE_MARGIN_M, quad_segs=4)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=area, ordered=True))
    return list(shapely.set_precision(shapely.intersection(cells, area), 1.0))


def place_snaps_in_cells(geo: Geography, cells: list) -> None:
    """Move each LSOA's map points that fall outside its cell towards the LSOA's centre until they
    are inside (a Voronoi cell is convex and holds its centre), so street records fall inside their
    LSOA's polygon. Only coordinates change: which LSOA and how many records stay as simulated."""
    import shapely
    cx, cy = _to_bng(geo.lon, geo.lat)
    sx, sy = _to_bng(geo.snap_lon, geo.snap_lat)
    sx, sy = np.asarray(sx, float).reshape(geo.snap_lon.shape), np.asarray(sy, float).reshape(geo.snap_lat.shape)
    cells_arr = np.asarray(cells, dtype=object)
    shapely.prepare(cells_arr)
    factor = np.ones(sx.shape)
    for _ in range(60):
        px, py = cx[:, None] + factor * (sx - cx[:, None]), cy[:, None] + factor * (sy - cy[:, None])
        lon, lat = _to_wgs84(px, py)
        lon, lat = np.round(lon, 6), np.round(lat, 6)       # as written in the files
        bx, by = _to_bng(lon, lat)
        inside = shapely.contains_xy(np.repeat(cells_arr, sx.shape[1]), np.ravel(bx), np.ravel(by)).reshape(sx.shape)
        if inside.all():
            break
        factor = np.where(inside, factor, factor * 0.8)
    geo.snap_lon, geo.snap_lat = lon.reshape(geo.snap_lon.shape), lat.reshape(geo.snap_lat.shape)


def _geojson(features: list[dict], name: str) -> str:
    """A GeoJSON FeatureCollection in British National Grid, as ONS's own exports are (GDAL's crs member)."""
    head = ('{\n"type": "FeatureCollection",\n"name": "%s",\n'
            '"crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::27700" } },\n"features": [\n' % name)
    return head + ",\n".join(json.dumps(f, separators=(", ", ": ")) for f in features) + "\n]\n}\n"


def _rings(geom) -> list:
    import shapely
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    coords = [[[[int(round(x)), int(round(y))] for x, y in ring.coords] for ring in (p.exterior, *p.interiors)]
              for p in polys]
    return ({"type": "Polygon", "coordinates": coords[0]} if len(coords) == 1
            else {"type": "MultiPolygon", "coordinates": coords})


def write_boundaries(geo: Geography, cells: list, out: Path) -> dict:
    """LSOA (2021) and district (2023) boundaries for Demoshire, GeoJSON in British National Grid,
    with ONS's field names (LSOA21CD, LSOA21NM; LAD23CD, LAD23NM)."""
    import shapely
    base = out / "ons" / "boundaries"
    lsoa_features = [{"type": "Feature", "properties": {"LSOA21CD": code, "LSOA21NM": name},
                      "geometry": _rings(cell)} for code, name, cell in zip(geo.lsoa_code, geo.lsoa_name, cells)]
    lsoa_path = base / "LSOA_2021_Demoshire_BGC.geojson"
    _write_text(lsoa_path, _geojson(lsoa_features, "LSOA_2021_Demoshire_BGC"))
    lad_features = []
    for d, (code, name) in enumerate(zip(geo.lad_codes, geo.districts)):
        shape = shapely.set_precision(shapely.union_all([c for c, k in zip(cells, geo.district) if k == d]), 1.0)
        lad_features.append({"type": "Feature", "properties": {"LAD23CD": code, "LAD23NM": name},
                             "geometry": _rings(shape)})
    lad_path = base / "LAD_DEC_2023_Demoshire_BGC.geojson"
    _write_text(lad_path, _geojson(lad_features, "LAD_DEC_2023_Demoshire_BGC"))
    return {"files": [lsoa_path, lad_path], "lsoa_boundaries": len(lsoa_features),
            "district_boundaries": len(lad_features)}


def _norm_cdf(x):
    from scipy.special import ndtr
    return ndtr(x)


# ----------------------------------------------------------------------------------------------
# police.uk: street-level crime, outcomes, stop and search
# ----------------------------------------------------------------------------------------------

@dataclass
class StreetSim:
    months: list[str]            # simulated months (from SIM_START)
    counts: np.ndarray           # (months, types, lsoas) including no-location crimes


def _season(month: str, amp: float) -> float:
    m = int(month[5:])
    return 1 + amp * np.cos(2 * np.pi * (m - 7) / 12)


def _covid(month: str, sensitivity: float) -> float:
    return max(0.05, 1 - sensitivity * (1 - COVID.get(month, 1.0)))


def simulate_street(geo: Geography, period_end: str, scale: float, seed: int):
    rng = _rng(seed, "street")
    months = _month_range(SIM_START, period_end)
    n_t, n_c, n_l = len(months), len(CRIME_TYPES), geo.n
    pop = geo.pop[2019].astype(float)
    dep_z = (geo.dep - geo.dep.mean()) / geo.dep.std()
    lam = np.empty((n_t, n_c, n_l))
    for c, (name, spec) in enumerate(CRIME_TYPES.items()):
        w = pop * np.exp(spec["dep"] * dep_z) * np.where(geo.centre, spec["centre"], 1.0)
        w = w / w.sum() * spec["base"] * scale
        adj_key = "nbh" if name in NEIGHBOURHOOD else "asb" if c == ASB else \
            "vio" if name == VSO else None
        d_adj = np.array([DISTRICT_TEMPLATES[d % len(DISTRICT_TEMPLATES)][adj_key] if adj_key else 0.0
                          for d in geo.district])
        for t, month in enumerate(months):
            yrs = (_month_index(month) - 5.5) / 12
            trend = np.exp((spec["trend"] + d_adj) * yrs)
            if name == "Shoplifting":
                trend = trend * np.exp(SHOPLIFTING_SURGE[1] * max(0.0, yrs - SHOPLIFTING_SURGE[0]))
            lam[t, c] = w * trend * _season(month, spec["season"]) * _covid(month, spec["covid"])
    counts = rng.poisson(lam)
    return StreetSim(months, counts)


def _crime_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.bytes(32 * n).hex().encode()
    return np.frombuffer(raw, dtype="S64").astype(str).astype(object)


def write_police_uk(geo: Geography, sim: StreetSim, out: Path, force: str, slug: str, period_end: str,
                    seed: int) -> dict:
    rng = _rng(seed, "street-rows")
    n_t, n_c, n_l = sim.counts.shape
    flat = sim.counts.ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    t_idx, c_idx, l_idx = np.unravel_index(cell, sim.counts.shape)
    n = len(cell)
    noloc_p = np.array([s["noloc"] for s in CRIME_TYPES.values()])
    noloc = rng.uniform(0, 1, n) < noloc_p[c_idx]
    snap = rng.choice(SNAPS, size=n, p=geo.snap_weight)
    tie = rng.uniform(0, 1, n)
    order = np.lexsort((tie, snap, c_idx, l_idx, noloc, t_idx))
    t_idx, c_idx, l_idx, noloc, snap = t_idx[order], c_idx[order], l_idx[order], noloc[order], snap[order]

    # outcomes: drawn per crime type
    end_t = sim.months.index(period_end)
    is_crime = c_idx != ASB
    final = np.full(n, len(ALL_OUTCOMES) - 1)          # "" for ASB
    charged = np.zeros(n, bool)
    lag1 = rng.geometric(0.42, n) - 1                   # months to the first outcome (or charge)
    lag2 = rng.geometric(0.22, n) + 1                   # months from charge to court result
    court_draw = rng.choice(len(COURT), size=n, p=_p(COURT_P))
    u = rng.uniform(0, 1, n)
    for c, name in enumerate(CRIME_TYPE_NAMES):
        if c == ASB:
            continue
        sel = np.nonzero(c_idx == c)[0]
        weights, p_charge = OUTCOME_WEIGHTS[name]
        nc = rng.choice(len(NONCOURT), size=len(sel), p=_p(weights))
        ch = u[sel] < p_charge
        final[sel] = np.where(ch, len(NONCOURT) + court_draw[sel], nc)
        charged[sel] = ch
    first_t = t_idx + lag1
    court_t = first_t + lag2
    status = final.copy()
    pending_inv = is_crime & (first_t > end_t)
    pending_court = is_crime & charged & (first_t <= end_t) & (court_t > end_t)
    status[pending_inv] = ALL_OUTCOMES.index("Under investigation")
    status[pending_court] = ALL_OUTCOMES.index("Awaiting court outcome")

    ids = np.full(n, "", dtype=object)
    ids[is_crime] = _crime_ids(rng, int(is_crime.sum()))

    # location segments "Longitude,Latitude,Location,LSOA code,LSOA name"
    lon_s = np.char.mod("%.6f", geo.snap_lon.ravel()).astype(object)
    lat_s = np.char.mod("%.6f", geo.snap_lat.ravel()).astype(object)
    street = geo.snap_street.ravel()
    upper = np.where(geo.snap_is_place.ravel(), street, np.char.upper(street.astype(str)).astype(object))
    codes = np.repeat(geo.lsoa_code, SNAPS)
    names = np.repeat(geo.lsoa_name, SNAPS)
    tail = "," + codes + "," + names
    seg_street = np.append(lon_s + "," + lat_s + ",On or near " + street + tail, ",,No Location,,")
    seg_outcome = np.append(lon_s + "," + lat_s + ",On or near " + upper + tail, ",,No Location,,")
    point = np.where(noloc, len(seg_street) - 1, l_idx * SNAPS + snap)

    type_outcome = np.array([f",{ct},{oc}," for ct in CRIME_TYPE_NAMES for oc in ALL_OUTCOMES], dtype=object)
    n_out = len(ALL_OUTCOMES)

    first_written = sim.months.index(FIRST_MONTH)
    bounds = np.searchsorted(t_idx, np.arange(n_t + 1))
    rows_street = rows_outcomes = 0
    files = []
    # street files
    for t in range(first_written, n_t):
        a, b = bounds[t], bounds[t + 1]
        month = sim.months[t]
        prefix = f",{month},{force},{force},"
        lines = ids[a:b] + prefix + seg_street[point[a:b]] + type_outcome[c_idx[a:b] * n_out + status[a:b]]
        path = out / "police-uk" / month / f"{month}-{slug}-street.csv"
        _write_text(path, STREET_HEADER + "\r\n" + "\r\n".join(lines.tolist()) + ("\r\n" if b > a else ""))
        rows_street += b - a
        files.append(path)

    # outcome events: (month, crime row, outcome)
    ev_rows, ev_month, ev_out = [], [], []
    noncourt_done = is_crime & ~charged & (first_t <= end_t) & (final != NONCOURT.index("Status update unavailable"))
    r = np.nonzero(noncourt_done)[0]
    ev_rows.append(r); ev_month.append(first_t[r]); ev_out.append(final[r])
    r = np.nonzero(is_crime & charged & (first_t <= end_t))[0]
    ev_rows.append(r); ev_month.append(first_t[r]); ev_out.append(np.full(len(r), ALL_OUTCOMES.index("Suspect charged")))
    r = np.nonzero(is_crime & charged & (court_t <= end_t))[0]
    ev_rows.append(r); ev_month.append(court_t[r]); ev_out.append(final[r])
    ev_rows, ev_month, ev_out = map(np.concatenate, (ev_rows, ev_month, ev_out))
    keep = ev_month >= first_written
    ev_rows, ev_month, ev_out = ev_rows[keep], ev_month[keep], ev_out[keep]
    order = np.lexsort((ev_rows, ev_month))
    ev_rows, ev_month, ev_out = ev_rows[order], ev_month[order], ev_out[order]
    out_text = np.array(["," + o for o in ALL_OUTCOMES], dtype=object)
    eb = np.searchsorted(ev_month, np.arange(n_t + 1))
    for t in range(first_written, n_t):
        a, b = eb[t], eb[t + 1]
        month = sim.months[t]
        rr = ev_rows[a:b]
        prefix = f",{month},{force},{force},"
        lines = ids[rr] + prefix + seg_outcome[point[rr]] + out_text[ev_out[a:b]]
        path = out / "police-uk" / month / f"{month}-{slug}-outcomes.csv"
        _write_text(path, OUTCOMES_HEADER + "\r\n" + "\r\n".join(lines.tolist()) + ("\r\n" if b > a else ""))
        rows_outcomes += b - a
        files.append(path)
    return {"files": files, "street_crime": int(rows_street), "outcomes": int(rows_outcomes)}


def _bst(year: int, month: int, day: np.ndarray) -> np.ndarray:
    """True where a local date is in British Summer Time (last Sunday of March to last Sunday of October)."""
    def last_sunday(m):
        last = calendar.monthrange(year, m)[1]
        return last - (calendar.weekday(year, m, last) + 1) % 7
    if 3 < month < 10:
        return np.ones_like(day, bool)
    if month == 3:
        return day >= last_sunday(3)
    if month == 10:
        return day < last_sunday(10)
    return np.zeros_like(day, bool)


def write_stop_search(geo: Geography, out: Path, slug: str, period_end: str, scale: float, seed: int) -> dict:
    rng = _rng(seed, "stop-search")
    months = _month_range(FIRST_MONTH, period_end)
    dep_z = (geo.dep - geo.dep.mean()) / geo.dep.std()
    w_lsoa = _p(geo.pop[2019] * np.exp(0.9 * dep_z) * np.where(geo.centre, 2.5, 1.0))
    files, total = [], 0
    for month in months:
        y, m = map(int, month.split("-"))
        yrs = _month_index(month) / 12
        level = 880 * (1 + 0.08 * min(yrs, 2.5) - 0.05 * max(0.0, yrs - 2.5)) * _covid(month, -1.3)
        level *= _season(month, 0.06) * scale
        n = int(rng.poisson(level))
        kind = _choice(rng, ["Person search", "Person and Vehicle search", "Vehicle search"], [66, 30, 4], n)
        vehicle_only = kind == "Vehicle search"
        days = calendar.monthrange(y, m)[1]
        day = rng.integers(1, days + 1, n)
        minute = (rng.choice(24, n, p=_p([4, 3, 2, 1.5, 1, 1, 1.5, 2, 3, 3, 3.5, 4, 4.5, 4.5, 5, 5.5, 6, 6.5,
                                           6.5, 6.5, 6.5, 6, 5.5, 5])) * 60 + rng.integers(0, 60, n))
        rounding = rng.choice([1, 10, 60], n, p=[0.5, 0.25, 0.25])
        minute = minute // rounding * rounding
        # police.uk writes UTC: during summer time the local midnight hour falls on the day before
        stamp = (np.array([np.datetime64(f"{month}-01T00:00")]) + (day - 1).astype("timedelta64[D]")
                 + minute.astype("timedelta64[m]"))
        stamp = stamp - np.where(_bst(y, m, day), 1, 0).astype("timedelta64[h]")
        order = np.argsort(stamp, kind="stable")
        stamp, kind, vehicle_only = stamp[order], kind[order], vehicle_only[order]
        date = np.datetime_as_string(stamp, unit="s").astype(object) + "+00:00"

        operation = _choice(rng, ["False", "True", ""], [80, 12, 8], n)
        lsoa = rng.choice(geo.n, n, p=w_lsoa)
        snap = rng.choice(SNAPS, n, p=geo.snap_weight)
        lat = np.char.mod("%.6f", geo.snap_lat[lsoa, snap]).astype(object)
        lon = np.char.mod("%.6f", geo.snap_lon[lsoa, snap]).astype(object)
        blank = rng.uniform(0, 1, n) < 0.05
        lat[blank] = ""
        lon[blank] = ""
        gender = _choice(rng, ["Male", "Female", "Other", ""], [87, 11, 0.2, 1.8], n)
        age = _choice(rng, ["under 10", "10-17", "18-24", "25-34", "over 34", ""], [0.2, 17, 33, 26, 22, 1.8], n)
        black = 0.10 - 0.004 * yrs
        officer = _choice(rng, OFFICER_ETHNICITY, [0.735, 0.10, black, 0.015, 0.03, 0.025], n)
        self_def = np.empty(n, dtype=object)
        for eth, dist in SELF_GIVEN_OFFICER.items():
            sel = officer == eth
            keys = _choice(rng, list(dist), list(dist.values()), int(sel.sum()))
            self_def[sel] = [SELF_DEFINED[k] for k in keys]
        gender[vehicle_only] = ""
        age[vehicle_only] = ""
        officer[vehicle_only] = ""
        self_def[vehicle_only] = _choice(rng, [SELF_DEFINED["NS"], ""], [70, 30], int(vehicle_only.sum()))
        leg_i = rng.choice(len(LEGISLATION), n, p=_p([62, 32, 1.2, 0.8, 4]))
        legislation = np.asarray(LEGISLATION, dtype=object)[leg_i]
        obj = np.empty(n, dtype=object)
        for i, dist in enumerate(OBJECTS_GIVEN_LEGISLATION):
            sel = leg_i == i
            obj[sel] = _choice(rng, list(dist), list(dist.values()), int(sel.sum()))
        drugs = obj == "Controlled drugs"
        outcome = np.empty(n, dtype=object)
        outcome[drugs] = _choice(rng, SS_OUTCOMES, SS_OUTCOME_P["drugs"], int(drugs.sum()))
        outcome[~drugs] = _choice(rng, SS_OUTCOMES, SS_OUTCOME_P["other"], int((~drugs).sum()))
        nfa = outcome == SS_OUTCOMES[0]
        p_linked = np.where(nfa, 0.06 + 0.012 * yrs, 0.85)
        linked = np.where(rng.uniform(0, 1, n) < p_linked, "True", "False").astype(object)
        linked[outcome == ""] = ""
        removal = np.where(rng.uniform(0, 1, n) < 0.05, "True", "False").astype(object)
        policing_op = np.full(n, "", dtype=object)
        cols = [kind, date, operation, policing_op, lat, lon, gender, age, self_def, officer, legislation,
                obj, outcome, linked, removal]
        path = out / "police-uk" / month / f"{month}-{slug}-stop-and-search.csv"
        _write_text(path, STOP_SEARCH_HEADER + "\r\n" + "".join(l + "\r\n" for l in _lines(*cols)))
        files.append(path)
        total += n
    return {"files": files, "stop_search": int(total)}


# ----------------------------------------------------------------------------------------------
# STATS19
# ----------------------------------------------------------------------------------------------

YEAR_FACTOR = {2019: 1.0, 2020: 0.93, 2021: 0.92, 2022: 0.96, 2023: 0.95}


def _age_band(age: np.ndarray) -> np.ndarray:
    edges = np.array([5, 10, 15, 20, 25, 35, 45, 55, 65, 75])
    band = np.searchsorted(edges, age, side="left") + 1
    return np.where(age < 0, -1, band)


def _adult_age(rng, n, scale_):
    return np.minimum(97, 17 + rng.gamma(2.0, scale_, n)).astype(int)


def write_stats19(geo: Geography, out: Path, force_code: int, period_end: str, scale: float, seed: int) -> dict:
    rng = _rng(seed, "stats19")
    end_y, end_m = map(int, period_end.split("-"))
    files, totals = [], {"collisions": 0, "casualties": 0, "vehicles": 0}
    pop_w = _p(geo.pop[2019] * np.where(geo.centre, 3.0, 1.0))
    decile_s = geo.imd_decile.astype(str).astype(object)
    lad = np.asarray(geo.lad_codes, dtype=object)
    for year in range(2019, end_y + 1):
        last_m = 12 if year < end_y else end_m
        per_month = []
        for m in range(1, last_m + 1):
            month = f"{year}-{m:02d}"
            lam = 196 * scale * YEAR_FACTOR.get(year, 0.95) * _covid(month, 1.1) * _season(month, -0.07)
            per_month.append(int(rng.poisson(lam)))
        n = sum(per_month)
        month = np.repeat(np.arange(1, last_m + 1), per_month)
        day = np.array([rng.integers(1, calendar.monthrange(year, mm)[1] + 1) for mm in month], dtype=int) \
            if n else np.zeros(0, int)
        ref = np.sort(rng.choice(9_000_000, n, replace=False) + 1_000_000) if n else np.zeros(0, int)
        ref_no = np.array([f"{force_code:02d}{r:07d}" for r in ref], dtype=object)
        index = np.array([f"{year}{r}" for r in ref_no], dtype=object)
        lsoa = rng.choice(geo.n, n, p=pop_w)
        lat = geo.lat[lsoa] + rng.normal(0, 0.006, n)
        lon = geo.lon[lsoa] + rng.normal(0, 0.009, n)
        nveh = _choice(rng, [1, 2, 3, 4, 5, 6], [0.322, 0.578, 0.079, 0.014, 0.004, 0.003], n).astype(int)
        ncas = _choice(rng, [1, 2, 3, 4, 5, 6], [0.808, 0.133, 0.039, 0.012, 0.006, 0.002], n).astype(int)

        # casualties
        n_c = int(ncas.sum())
        c_coll = np.repeat(np.arange(n), ncas)
        c_ref = np.arange(n_c) - np.repeat(np.cumsum(ncas) - ncas, ncas) + 1
        yr = year - 2019 + (0.5 if year == end_y and last_m < 12 else 0)
        p_fatal = 0.015
        p_serious = 0.252 - 0.0035 * yr
        u = rng.uniform(0, 1, n_c)
        sev = np.where(u < p_fatal, 1, np.where(u < p_fatal + p_serious, 2, 3))
        coll_sev = np.full(n, 3)
        np.minimum.at(coll_sev, c_coll, sev)
        first = c_ref == 1
        cls = np.where(first, rng.choice([1, 2, 3], n_c, p=[0.62, 0.19, 0.19]),
                       rng.choice([1, 2, 3], n_c, p=[0.35, 0.55, 0.10]))
        c_veh = (rng.uniform(0, 1, n_c) * nveh[c_coll]).astype(int) + 1

        # vehicles
        n_v = int(nveh.sum())
        v_coll = np.repeat(np.arange(n), nveh)
        v_ref = np.arange(n_v) - np.repeat(np.cumsum(nveh) - nveh, nveh) + 1
        vtype = _choice(rng, *S19_VEHICLE_TYPE, n_v).astype(int)
        v_start = np.cumsum(nveh) - nveh
        c_vtype = vtype[v_start[c_coll] + c_veh - 1]
        cas_type = np.where(cls == 3, 0, c_vtype)

        # severity details
        def enhanced(s):
            serious_kind = rng.choice([5, 6, 7], len(s), p=[0.13, 0.22, 0.65])
            return np.where(s == 1, 1, np.where(s == 2, serious_kind, 3))

        def adj(s, which):
            return np.where((s == 2) if which == "serious" else (s == 3), "1.0", "0.0").astype(object)

        # collision table
        dt = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))
        coll = pd.DataFrame({
            "collision_index": index, "collision_year": year, "collision_ref_no": ref_no,
            "location_easting_osgr": np.round(400000 + (lon + 2) * 67300).astype(int),
            "location_northing_osgr": np.round((lat - 49) * 111200 - 100000).astype(int),
            "longitude": np.round(lon, 5), "latitude": np.round(lat, 5), "police_force": force_code,
            "collision_severity": coll_sev, "number_of_vehicles": nveh, "number_of_casualties": ncas,
            "date": dt.dt.strftime("%d/%m/%Y").to_numpy(dtype=object),
            "day_of_week": (dt.dt.day_of_week.to_numpy() + 1) % 7 + 1,
        })
        hour = rng.choice(24, n, p=_p([1, .7, .5, .4, .4, .8, 2, 5, 7, 5, 4.5, 5, 5.5, 5.5, 6, 7.5, 8, 8.5, 7,
                                       5, 4, 3, 2.5, 1.5]))
        mins = rng.choice(np.arange(0, 60, 5), n) * (rng.uniform(0, 1, n) < 0.5) + \
            rng.integers(0, 60, n) * (rng.uniform(0, 1, n) < 0.1)
        coll["time"] = [f"{h:02d}:{mm % 60:02d}" for h, mm in zip(hour, mins)]
        coll["local_authority_district"] = -1
        district_code = lad[geo.district[lsoa]]
        for c in ("local_authority_ons_district", "local_authority_highway", "local_authority_highway_current"):
            coll[c] = district_code
        for c in ("first_road_class", "road_type", "speed_limit"):
            coll[c] = _choice(rng, *S19_COLLISION[c], n).astype(int)
        coll["first_road_number"] = np.where(coll["first_road_class"] == 6, 0,
                                             rng.choice([6, 38, 52, 60, 61, 606, 612, 614, 6005, 6097], n))
        coll["junction_detail_historic"] = -1
        coll["junction_detail"] = _choice(rng, *S19_COLLISION["junction_detail"], n).astype(int)
        coll["junction_control"] = np.where(coll["junction_detail"] == 0, -1,
                                            _choice(rng, [4, 2, 3, 1], [0.80, 0.18, 0.012, 0.008], n).astype(int))
        coll["second_road_class"] = np.where(coll["junction_detail"] == 0, -1,
                                             _choice(rng, [6, 3, 4, 1, 2], [0.82, 0.12, 0.04, 0.015, 0.005], n).astype(int))
        coll["second_road_number"] = np.where(coll["second_road_class"] == -1, -1,
                                              np.where(coll["second_road_class"] == 6, 0,
                                                       rng.choice([6, 38, 52, 60, 606, 6005], n)))
        coll["pedestrian_crossing_human_control_historic"] = -1
        coll["pedestrian_crossing_physical_facilities_historic"] = -1
        for c in ("pedestrian_crossing", "light_conditions", "weather_conditions", "road_surface_conditions"):
            coll[c] = _choice(rng, *S19_COLLISION[c], n).astype(int)
        coll["special_conditions_at_site"] = -1
        coll["carriageway_hazards_historic"] = -1
        for c in ("carriageway_hazards", "urban_or_rural_area", "did_police_officer_attend_scene_of_accident",
                  "trunk_road_flag"):
            coll[c] = _choice(rng, *S19_COLLISION[c], n).astype(int)
        coll["lsoa_of_accident_location"] = geo.lsoa_code[lsoa]
        coll["enhanced_severity_collision"] = enhanced(coll_sev)
        coll["collision_injury_based"] = 1
        coll["collision_adjusted_severity_serious"] = adj(coll_sev, "serious")
        coll["collision_adjusted_severity_slight"] = adj(coll_sev, "slight")
        coll = coll[COLLISION_COLUMNS]

        # casualty table
        age = np.where(cls == 1, _adult_age(rng, n_c, 13),
                       np.where(rng.uniform(0, 1, n_c) < (np.where(cls == 3, 0.33, 0.28)),
                                rng.integers(0, 17, n_c), _adult_age(rng, n_c, 15)))
        age = np.where(rng.uniform(0, 1, n_c) < 0.005, -1, age)
        home = rng.choice(geo.n, n_c, p=_p(geo.pop[2019] * np.exp(0.3 * geo.dep)))
        no_home = rng.uniform(0, 1, n_c) < 0.03
        is_ped = cls == 3
        cas = pd.DataFrame({
            "collision_index": index[c_coll], "collision_year": year, "collision_ref_no": ref_no[c_coll],
            "vehicle_reference": c_veh, "casualty_reference": c_ref, "casualty_class": cls,
            "sex_of_casualty": rng.choice([1, 2], n_c, p=[0.615, 0.385]), "age_of_casualty": age,
            "age_band_of_casualty": _age_band(age), "casualty_severity": sev,
            "pedestrian_location": np.where(is_ped, rng.choice([5, 8, 10, 6, 1, 9, 4], n_c,
                                                                p=_p([34, 22, 13, 12, 8, 6, 5])), 0),
            "pedestrian_movement": np.where(is_ped, rng.choice([1, 9, 3, 7, 8, 5, 2, 4], n_c,
                                                                p=_p([34, 21, 19, 10, 5, 4, 4, 3])), 0),
            "car_passenger": np.where((cls == 2) & (cas_type == 9), rng.choice([1, 2], n_c, p=[0.6, 0.4]), 0),
            "bus_or_coach_passenger": np.where((cls == 2) & (cas_type == 11), rng.choice([1, 2, 3, 4], n_c), 0),
            "pedestrian_road_maintenance_worker": np.where(is_ped, -1, 0),
            "casualty_type": cas_type,
            "casualty_imd_decile": np.where(no_home, "-1", decile_s[home]),
            "lsoa_of_casualty": np.where(no_home, "-1", geo.lsoa_code[home]),
            "enhanced_casualty_severity": enhanced(sev), "casualty_injury_based": 1,
            "casualty_adjusted_severity_serious": adj(sev, "serious"),
            "casualty_adjusted_severity_slight": adj(sev, "slight"),
            "casualty_distance_banding": np.where(no_home, -1, rng.choice([1, 2, 3, 4, 5], n_c,
                                                                         p=_p([65, 15, 10, 7, 3]))),
        })[CASUALTY_COLUMNS]

        # vehicle table
        veh = pd.DataFrame({"collision_index": index[v_coll], "collision_year": year,
                            "collision_ref_no": ref_no[v_coll], "vehicle_reference": v_ref,
                            "vehicle_type": vtype})
        for c, dist in S19_VEHICLE.items():
            veh[c] = _choice(rng, *dist, n_v).astype(int)
        veh["vehicle_manoeuvre_historic"] = -1
        veh["vehicle_location_restricted_lane_historic"] = -1
        veh["journey_purpose_of_driver_historic"] = -1
        d_age = np.where(rng.uniform(0, 1, n_v) < 0.2, -1, _adult_age(rng, n_v, 13))
        d_age = np.where(vtype == 1, np.where(d_age > 0, np.maximum(d_age - 8, 8), d_age), d_age)
        veh["age_of_driver"] = d_age
        veh["age_band_of_driver"] = _age_band(d_age)
        motor = ~np.isin(vtype, [1, -1, 90])
        veh["engine_capacity_cc"] = np.where(motor, _choice(rng, *S19_ENGINE, n_v).astype(int), -1)
        veh["propulsion_code"] = np.where(motor, veh["propulsion_code"], -1)
        veh["age_of_vehicle"] = np.where(motor, veh["age_of_vehicle"], -1)
        veh["generic_make_model"] = np.where(
            (vtype == 9) & (rng.uniform(0, 1, n_v) < 0.75),
            np.asarray(S19_MAKES, dtype=object)[rng.choice(len(S19_MAKES), n_v)], "-1")
        d_home = rng.choice(geo.n, n_v, p=_p(geo.pop[2019] * np.exp(0.3 * geo.dep)))
        d_none = (rng.uniform(0, 1, n_v) < 0.2) | (veh["sex_of_driver"].to_numpy() == 3)
        veh["driver_imd_decile"] = np.where(d_none, "-1", decile_s[d_home])
        veh["lsoa_of_driver"] = np.where(d_none, "-1", geo.lsoa_code[d_home])
        veh["escooter_flag"] = np.where((vtype == 90) & (rng.uniform(0, 1, n_v) < 0.4), 1, 0)
        veh["driver_distance_banding"] = np.where(d_none, -1, rng.choice([1, 2, 3, 4, 5], n_v,
                                                                        p=_p([60, 16, 12, 9, 3])))
        veh = veh[VEHICLE_COLUMNS]

        base = out / "stats19"
        for kind, frame in (("collision", coll), ("casualty", cas), ("vehicle", veh)):
            path = base / f"dft-road-casualty-statistics-{kind}-{year}.csv"
            _write_frame(path, frame)
            files.append(path)
        totals["collisions"] += n
        totals["casualties"] += n_c
        totals["vehicles"] += n_v
    return {"files": files, **totals}


# ----------------------------------------------------------------------------------------------
# Home Office: recorded crime by CSP and PFA, 999 calls
# ----------------------------------------------------------------------------------------------

def _quarters(period_end: str) -> list[tuple[str, int, list[str]]]:
    """(financial year, quarter, months) for complete quarters from Jan-Mar 2019 to period_end."""
    out = []
    for month in _month_range(FIRST_MONTH, period_end):
        y, m = map(int, month.split("-"))
        if m % 3 != 0:
            continue
        fy_start = y if m >= 4 else y - 1
        quarter = {6: 1, 9: 2, 12: 3, 3: 4}[m]
        months = [f"{y:04d}-{mm:02d}" for mm in (m - 2, m - 1, m)]
        out.append((f"{fy_start}/{(fy_start + 1) % 100:02d}", quarter, months))
    return out


def write_home_office(geo: Geography, sim: StreetSim, out: Path, force: str, msg: list[str],
                      period_end: str, seed: int) -> dict:
    rng = _rng(seed, "home-office")
    quarters = _quarters(period_end)
    n_d = len(geo.districts)
    # street counts by (quarter, type, district), including the crimes police.uk shows with no location
    by_district = np.zeros((len(quarters), len(CRIME_TYPES), n_d), dtype=np.int64)
    for q, (_, _, months) in enumerate(quarters):
        t = [sim.months.index(mm) for mm in months]
        per_lsoa = sim.counts[t].sum(axis=0)                      # (types, lsoas)
        for d in range(n_d):
            by_district[q, :, d] = per_lsoa[:, geo.district == d].sum(axis=1)
    # the Home Office counts a few offences police.uk leaves out
    by_district = by_district + rng.poisson(by_district * 0.03)

    offences = HO_OFFENCES
    csp_rows = []
    counts = np.zeros((len(quarters), n_d, len(offences)), dtype=np.int64)
    for c, name in enumerate(CRIME_TYPE_NAMES):
        if c == ASB:
            continue
        idx = [i for i, o in enumerate(offences) if o[4] == name]
        shares = _p([offences[i][5] for i in idx])
        split = rng.multinomial(by_district[:, c, :].ravel(), shares)   # (q*d, k)
        counts[:, :, idx] = split.reshape(len(quarters), n_d, len(idx))
    for q, (fy, fq, _) in enumerate(quarters):
        for d, district in enumerate(geo.districts):
            for i, o in enumerate(offences):
                csp_rows.append((fy, fq, force, district, o[1], o[2], o[3], o[0], int(counts[q, d, i])))
    csp = pd.DataFrame(csp_rows, columns=PRC_CSP_COLUMNS)

    # PFA: the force is the sum of its CSPs; peers are drawn around the force's pattern per head
    force_counts = counts.sum(axis=1)                               # (q, offences)
    pop_force = geo.pop[2019].sum()
    smooth = force_counts.astype(float)
    pfa_rows = []
    peer_rng = _rng(seed, "home-office-peers")
    groups = sorted({o[2] for o in offences})
    for p_i, name in enumerate(msg):
        if name == force:
            vals = force_counts
        else:
            t = _peer_template(msg, force, name)
            group_mult = {g: float(np.exp(peer_rng.normal(0, 0.15))) for g in groups}
            gm = np.array([group_mult[o[2]] for o in offences])
            yrs = np.arange(len(quarters))[:, None] / 4
            lam = smooth * t["pop"] / pop_force * t["rate"] * gm[None, :] * np.exp(t["drift"] * yrs)
            vals = peer_rng.poisson(lam)
        for q, (fy, fq, _) in enumerate(quarters):
            for i, o in enumerate(offences):
                pfa_rows.append((fy, fq, name, o[1], o[2], o[3], o[0], int(vals[q, i])))
    pfa = pd.DataFrame(pfa_rows, columns=PRC_PFA_COLUMNS)

    base = out / "home-office"
    files = []
    for kind, frame in (("csp", csp), ("pfa", pfa)):
        path = base / f"prc-{kind}-{period_end}.csv"
        _write_frame(path, frame)
        files.append(path)

    # 999 calls: answered within 10 seconds (national standard 90%)
    call_rng = _rng(seed, "calls-999")
    rows = []
    months = _month_range(FIRST_MONTH, period_end)
    for p_i, name in enumerate(msg):
        if name == force:
            pop, target = pop_force, None
        else:
            t = _peer_template(msg, force, name)
            pop, target = t["pop"], t["calls999"]
        for month in months:
            yrs = _month_index(month) / 12
            level = pop * 0.0125 * _season(month, 0.12) * (1 + 0.03 * yrs)
            total = int(call_rng.poisson(level))
            if target is None:   # Demoshire: fine until 2021, below standard 2021-22, recovering in 2023
                dip = 0.10 * np.exp(-((yrs - 2.9) / 0.75) ** 2)
                p10 = 0.925 - dip + (0.01 if yrs > 4 else 0.0)
            else:
                p10 = target - 0.03 * np.exp(-((yrs - 2.8) / 0.8) ** 2)
            p10 = float(np.clip(p10 + call_rng.normal(0, 0.008), 0.5, 0.99))
            within10 = int(call_rng.binomial(total, p10))
            over60 = int(call_rng.binomial(total - within10, min(0.5, 0.08 + (1 - p10) * 0.9)))
            rows.append((month, name, total, within10, over60))
    calls = pd.DataFrame(rows, columns=CALLS_999_COLUMNS)
    path = base / f"999-{period_end}.csv"
    _write_frame(path, calls)
    files.append(path)
    return {"files": files, "recorded_crime_csp": len(csp), "recorded_crime_pfa": len(pfa),
            "calls_999": len(calls)}


# ----------------------------------------------------------------------------------------------
# ONS: populations, deprivation, census
# ----------------------------------------------------------------------------------------------

def _age_profile(young: float) -> tuple[np.ndarray, np.ndarray]:
    ages = np.arange(91)
    w = np.where(ages < 18, 1.12, np.where(ages < 30, 1.2 + 0.3 * young, np.where(ages < 60, 1.25, 1.0)))
    w = w * np.where(ages >= 65, np.exp(-(ages - 65) / (22 - 4 * young)), 1.0)
    w = w * np.where(ages >= 85, np.exp(-(ages - 85) / 5), 1.0)
    w[90] = w[89] * 3.5
    female = w * np.where(ages >= 70, 1.15, 0.99)
    male = w * np.where(ages >= 70, 0.85, 1.01)
    total = female.sum() + male.sum()
    return female / total, male / total


def write_ons(geo: Geography, out: Path, force: str, msg: list[str], period_end: str, seed: int) -> dict:
    rng = _rng(seed, "ons")
    files, rows = [], {}
    base = out / "ons"
    lad = np.asarray(geo.lad_codes, dtype=object)
    names = np.asarray(geo.districts, dtype=object)
    lsoa_years = sorted(y for y in geo.pop if y <= 2022)
    tercile = np.digitize(geo.dep, np.quantile(geo.dep, [1 / 3, 2 / 3]))
    age_cols = [f"F{a}" for a in range(91)] + [f"M{a}" for a in range(91)]
    n_rows = 0
    for year in lsoa_years:
        total = geo.pop[year]
        ages = np.zeros((geo.n, 182), dtype=np.int64)
        for k in range(3):
            f, m = _age_profile(young=k / 2)
            sel = tercile == k
            ages[sel] = rng.multinomial(total[sel], np.concatenate([f, m]))
        frame = pd.DataFrame({"LAD 2021 Code": lad[geo.district], "LAD 2021 Name": names[geo.district],
                              "LSOA 2021 Code": geo.lsoa_code, "LSOA 2021 Name": geo.lsoa_name,
                              "Total": total})
        frame = pd.concat([frame, pd.DataFrame(ages, columns=age_cols)], axis=1)
        path = base / f"lsoa-population-{year}.csv"
        _write_frame(path, frame)
        files.append(path)
        n_rows += len(frame)
    rows["population_lsoa"] = n_rows

    # local authorities and police force areas, mid-2019 to mid-2023
    years = list(range(2019, 2024))
    district_pop = {y: np.bincount(geo.district, weights=geo.pop[y], minlength=len(geo.districts)).astype(int)
                    for y in geo.pop}
    area = []
    for d, name in enumerate(geo.districts):
        area.append([geo.lad_codes[d], name, "Local Authority"] + [int(district_pop[y][d]) for y in years])
    force_pop = {y: int(district_pop[y].sum()) for y in years}
    for p_i, name in enumerate(msg):
        code = f"E23{900001 + p_i:06d}"
        if name == force:
            area.append([code, name, "Police Force Area"] + [force_pop[y] for y in years])
        else:
            t = _peer_template(msg, force, name)
            g = 0.004 + 0.002 * ((p_i * 7) % 5)
            area.append([code, name, "Police Force Area"] +
                        [int(round(t["pop"] * (1 + g) ** (y - 2019), -1)) for y in years])
    area_frame = pd.DataFrame(area, columns=["Code", "Name", "Geography"] + [f"Mid-{y}" for y in years])
    path = base / "area-population.csv"
    _write_frame(path, area_frame)
    files.append(path)
    rows["population_area"] = len(area_frame)

    # English Indices of Deprivation 2019, file 1
    imd = pd.DataFrame({IMD_COLUMNS[0]: geo.lsoa_code, IMD_COLUMNS[1]: geo.lsoa_name,
                        IMD_COLUMNS[2]: lad[geo.district], IMD_COLUMNS[3]: names[geo.district],
                        IMD_COLUMNS[4]: geo.imd_rank, IMD_COLUMNS[5]: geo.imd_decile})
    path = base / "imd2019-lsoa.csv"
    _write_frame(path, imd)
    files.append(path)
    rows["deprivation"] = len(imd)

    # Census 2021: ethnicity (TS021) and households (TS041), by local authority
    census_pop = district_pop[2021]
    eth_rows, hh_rows = [], []
    for d, name in enumerate(geo.districts):
        t = DISTRICT_TEMPLATES[d % len(DISTRICT_TEMPLATES)]
        total = int(census_pop[d] * (1 + rng.normal(0, 0.004)))
        groups = rng.multinomial(total, _p(t["eth"]))
        eth_rows.append([2021, name, geo.lad_codes[d], total] + [int(g) for g in groups])
        hh_rows.append([2021, name, geo.lad_codes[d], int(round(total / t["hh"]))])
    eth = pd.DataFrame(eth_rows, columns=["date", "geography", "geography code",
                                          "Ethnic group: Total: All usual residents"] + ETHNICITY_COLUMNS)
    path = base / "census2021-ts021-ethnicity.csv"
    _write_frame(path, eth)
    files.append(path)
    hh = pd.DataFrame(hh_rows, columns=["date", "geography", "geography code", "Number of households"])
    path = base / "census2021-ts041-households.csv"
    _write_frame(path, hh)
    files.append(path)
    rows["ethnicity"] = len(eth)
    rows["households"] = len(hh)
    return {"files": files, **rows}


# ----------------------------------------------------------------------------------------------
# The force's own indicators (tidy template)
# ----------------------------------------------------------------------------------------------

# kind: count | proportion. level: force monthly count (count) or cases (proportion); p: (2019, latest)
# proportion; trend: yearly log change of the level; districts: False for force-wide measures;
# snapshot: once a year in March, force only; start: first month with any (earlier months are zero).
INDICATORS: dict[str, dict[str, Any]] = {
    "victim_satisfaction": dict(kind="proportion", level=540, p=(0.74, 0.68), season=0.0, notes="victim survey"),
    "calls_101_answered": dict(kind="proportion", level=28000, p=(0.72, 0.68), dip=(2.8, 0.9, 0.18),
                               districts=False),
    "rape_charge_rate": dict(kind="proportion", level=75, p=(0.045, 0.095)),
    "domestic_abuse_charge_rate": dict(kind="proportion", level=1300, p=(0.108, 0.104)),
    "victim_needs_assessments": dict(kind="count", level=420, trend=0.06),
    "children_at_risk_exploitation": dict(kind="count", level=35, trend=0.12),
    "fraud_cyber_crime": dict(kind="count", level=650, trend=0.05, season=-0.05),
    "repeat_victims_domestic_abuse": dict(kind="proportion", level=1700, p=(0.305, 0.298)),
    "repeat_victims_hate_crime": dict(kind="proportion", level=120, p=(0.17, 0.15)),
    "dvpn_dvpo": dict(kind="count", level=30, trend=0.10),
    "stalking_protection_orders": dict(kind="count", level=2.0, trend=0.30, start="2020-02",
                                       notes_before="not yet in force (Stalking Protection Act 2019, from 20 January 2020)"),
    "workforce_ethnic_minority": dict(kind="proportion", level=2250, p=(0.055, 0.082), trend=0.03,
                                      snapshot=True, districts=False),
    "early_intervention_attendance": dict(kind="proportion", level=60, p=(0.62, 0.71)),
    "repeat_missing_persons": dict(kind="proportion", level=260, p=(0.45, 0.42)),
    "drug_reoffending": dict(kind="proportion", level=90, p=(0.38, 0.38)),
    "first_time_entrants": dict(kind="count", level=22, trend=-0.07),
    "drug_treatment_referrals": dict(kind="count", level=110, trend=0.08),
    "domestic_abuse_crimes": dict(kind="count", level=1350, trend=0.04, season=0.08),
    "use_of_force": dict(kind="count", level=45, trend=0.02),
    "hate_crime": dict(kind="count", level=140, trend=0.06, spikes={"2020-06": 1.5, "2023-10": 1.4}),
}


def write_indicators(geo: Geography, out: Path, params, seed: int) -> dict:
    rng = _rng(seed, "indicators")
    force = params.area.force
    period_end = params.period_end
    months = _month_range(FIRST_MONTH, period_end)
    share = geo.pop[2019].astype(float)
    dshare = _p(np.bincount(geo.district, weights=share * np.exp(0.25 * geo.dep), minlength=len(geo.districts)))
    measure_ids = [m for m, spec in params.measures.items() if params.datasets.get(spec.source) is not None
                   and params.datasets[spec.source].format == "indicator_template"]
    rows = []
    for mid in measure_ids:
        measure = params.measures[mid]
        spec = INDICATORS.get(mid)
        if spec is None:   # a measure added to the params file: a plausible generic series
            spec = dict(kind="proportion" if measure.statistic == "proportion" else "count",
                        level=200 if measure.statistic == "proportion" else 50, p=(0.5, 0.5))
        kind = spec["kind"]
        d_off = rng.normal(0, 0.15, len(geo.districts))          # district differences (logit scale)
        for month in months:
            yrs = _month_index(month) / 12
            frac = min(1.0, max(0.0, yrs / max(1e-9, _month_index(period_end) / 12)))
            if spec.get("snapshot") and not month.endswith("-03"):
                continue
            level = spec["level"] * np.exp(spec.get("trend", 0.0) * yrs) * _season(month, spec.get("season", 0.0))
            level *= spec.get("spikes", {}).get(month, 1.0)
            notes = spec.get("notes", "")
            if spec.get("snapshot"):
                notes = f"snapshot at 31 March {month[:4]}"
            active = month >= spec.get("start", "0000-00")
            if not active:
                notes = spec.get("notes_before", notes)
            if kind == "count":
                if not active:
                    d_vals = np.zeros(len(geo.districts), dtype=int)
                else:
                    d_vals = rng.poisson(level * _covid(month, 0.3) * dshare)
                values = [(force, int(d_vals.sum()), None)]
                if spec.get("districts", True):
                    values += [(d, int(v), None) for d, v in zip(geo.districts, d_vals)]
            else:
                p0, p1 = spec["p"]
                p = p0 + (p1 - p0) * frac
                if "dip" in spec:
                    centre, width, depth = spec["dip"]
                    p -= depth * np.exp(-((yrs - centre) / width) ** 2)
                p = float(np.clip(p, 0.01, 0.99))
                if spec.get("snapshot"):   # a headcount: no sampling noise to speak of
                    den = int(round(level))
                    values = [(force, int(round(den * p + rng.normal(0, 2))), den)]
                elif spec.get("districts", True):
                    den = rng.poisson(level * dshare)
                    p_d = 1 / (1 + np.exp(-(np.log(p / (1 - p)) + d_off)))
                    num = rng.binomial(den, p_d)
                    values = [(force, int(num.sum()), int(den.sum()))]
                    values += [(d, int(a), int(b)) for d, a, b in zip(geo.districts, num, den)]
                else:
                    den = int(rng.poisson(level))
                    values = [(force, int(rng.binomial(den, p)), den)]
            for area, value, denominator in values:
                rows.append((mid, month, area, value, denominator, notes))
    frame = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    frame["denominator"] = frame["denominator"].astype("Int64")
    path = out / "force" / f"indicators-{period_end}.csv"
    _write_frame(path, frame)
    return {"files": [path], "force_indicators": len(frame), "indicator_measures": measure_ids}


# ----------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------

def _prepare(out_dir: Path) -> None:
    """Clear the previous demo data (only folders this generator writes, and only if it wrote them)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    present = [d for d in SUBDIRS if (out_dir / d).exists()]
    if present and not (out_dir / MARKER).exists():
        raise FileExistsError(f"{out_dir}: holds {', '.join(present)} but not {MARKER}; this does not look "
                              f"like generated demo data, so it is left alone. Remove it or choose another --out.")
    for d in present:
        shutil.rmtree(out_dir / d)


POLICE_UK_ROW_KEYS = {"street": "street_crime", "outcomes": "outcomes", "stop-and-search": "stop_search"}


def _check_drop_months(drop_months, period_end: str) -> list[str]:
    months = []
    for text in drop_months or ():
        text = str(text).strip()
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
            raise ValueError(f"month to drop '{text}' is not a month like 2023-09")
        if not FIRST_MONTH <= text <= period_end:
            raise ValueError(f"month to drop {text} is outside the demo data ({FIRST_MONTH} to {period_end})")
        months.append(text)
    return sorted(set(months))


def _drop_police_uk_months(out_dir: Path, files: list[Path], rows: dict, months: list[str]) -> list[Path]:
    """Remove every police.uk file (street, outcomes, stop and search) of these months, as when police.uk
    publishes nothing for a force's months; the rows counted drop with them. Nothing else changes."""
    kept = []
    for path in files:
        parts = Path(path).relative_to(out_dir).parts
        if parts[0] == "police-uk" and parts[1] in months:
            kind = next((k for k in POLICE_UK_ROW_KEYS if Path(path).stem.endswith("-" + k)), None)
            with open(path, "rb") as fh:
                lines = sum(1 for line in fh if line.strip())
            if kind is not None:
                rows[POLICE_UK_ROW_KEYS[kind]] -= max(lines - 1, 0)
            Path(path).unlink()
        else:
            kept.append(path)
    for month in months:
        folder = out_dir / "police-uk" / month
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return kept


def generate_demo_data(out_dir: Path, params, scale: float = 1.0, seed: int = 2024,
                       drop_months=()) -> dict:
    """Write every dataset of the demo params file under `out_dir`; return what was written.

    `params` is a `needs_assessment.params.Params`, a params file path or a dict. The result maps
    `files` to the written paths (relative to `out_dir`, sorted) and `rows` to the data rows per
    dataset (keys as in the params `datasets`, plus the STATS19 tables). `drop_months` ("2023-09", ...)
    leaves those months out of the police.uk files, as police.uk has done for forces' system changes;
    every other figure is the same as without it.
    """
    params = _resolve_params(params)
    out_dir = Path(out_dir)
    if scale <= 0:
        raise ValueError("scale must be positive")
    area = params.area
    period_end = params.period_end
    if _month_index(period_end) < 12:
        raise ValueError(f"period_end {period_end} is too early: the demo data starts in {FIRST_MONTH}")
    drop_months = _check_drop_months(drop_months, period_end)
    _prepare(out_dir)
    msg = list(area.most_similar_group) or [area.force]
    if area.force not in msg:
        msg = [area.force] + msg
    end_year = int(period_end[:4])
    geo = build_geography(list(area.districts), seed, list(range(2019, max(2023, end_year) + 1)))

    files: list[Path] = []
    rows: dict[str, Any] = {}
    sim = simulate_street(geo, period_end, scale, seed)
    cells = lsoa_cells(geo)
    place_snaps_in_cells(geo, cells)     # coordinates only: draws no random numbers
    for result in (
        write_police_uk(geo, sim, out_dir, area.force, area.police_uk_slug, period_end, seed),
        write_stop_search(geo, out_dir, area.police_uk_slug, period_end, scale, seed),
        write_stats19(geo, out_dir, area.stats19_police_force, period_end, scale, seed),
        write_home_office(geo, sim, out_dir, area.force, msg, period_end, seed),
        write_ons(geo, out_dir, area.force, msg, period_end, seed),
        write_indicators(geo, out_dir, params, seed),
        write_boundaries(geo, cells, out_dir),
    ):
        files += result.pop("files")
        rows.update(result)
    rows["road_casualties"] = rows["casualties"]
    if drop_months:
        files = _drop_police_uk_months(out_dir, files, rows, drop_months)
    marker = out_dir / MARKER
    _write_text(marker, (
        "Demonstration data for a fictional force (Demoshire Police). NOT OFFICIAL STATISTICS.\n"
        "Generated by needs_assessment.demo.generate (python build.py demo-data); do not edit by hand.\n"
        f"seed {seed}, scale {scale:g}, period_end {period_end}"
        + (f", police.uk months dropped {','.join(drop_months)}" if drop_months else "") + "\n"))
    rel = sorted(p.relative_to(out_dir).as_posix() for p in files)
    return {"out_dir": str(out_dir), "files": rel, "rows": rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="build.py demo-data",
                                     description="Write the demonstration data (fictional Demoshire Police).")
    parser.add_argument("--params", default=str(PROJECT_ROOT / "params" / "demo-2024.yml"),
                        help="params file (default: params/demo-2024.yml)")
    parser.add_argument("--out", default=None, help="output folder (default: <project>/data/demo)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply event volumes (default 1.0)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument("--drop-months", default="", metavar="YYYY-MM,...",
                        help="leave these months out of the police.uk files, as a real download with months "
                             "police.uk did not publish (e.g. 2023-09,2023-10; default: none)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else PROJECT_ROOT / "data" / "demo"
    started = time.perf_counter()
    drop = [m for m in args.drop_months.split(",") if m.strip()]
    try:
        summary = generate_demo_data(out, args.params, scale=args.scale, seed=args.seed, drop_months=drop)
    except ValueError as exc:
        parser.error(str(exc))
    took = time.perf_counter() - started
    print(f"Demo data written to {out} in {took:.1f} s ({len(summary['files'])} files; not official statistics)")
    for key, value in summary["rows"].items():
        if isinstance(value, int):
            print(f"  {key:24s} {value:>10,d} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
