"""Roles read from the directory: who is a manager, and which divisions each user sees."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from commitments import access
from tests.factories import DivisionFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_divisions():
    market = DivisionFactory(code="market-test")
    finance = DivisionFactory(code="finance-test")
    return market, TeamFactory(code="market-team", division=market), finance


def test_it_gives_staff_the_divisions_of_their_teams(two_divisions):
    market, team, _finance = two_divisions
    clerk = UserFactory(username="clerk")
    team.members.add(clerk)

    assert access.divisions_of(clerk) == {market.pk}
    assert access.may_see_division(clerk, market.pk)
    assert not access.is_manager(clerk)


def test_it_gives_a_user_without_a_team_no_division(two_divisions):
    loner = UserFactory(username="loner")

    assert access.divisions_of(loner) == set()
    assert not access.may_see_division(loner, two_divisions[0].pk)


def test_it_makes_a_team_manager_a_manager_of_the_whole_division(two_divisions):
    market, team, finance = two_divisions

    assert access.is_manager(team.manager)
    assert access.divisions_of(team.manager) == {market.pk}
    assert not access.may_see_division(team.manager, finance.pk)


def test_it_makes_a_division_head_a_manager_of_that_division(two_divisions):
    _market, _team, finance = two_divisions

    assert access.is_manager(finance.head)
    assert access.divisions_of(finance.head) == {finance.pk}


def test_it_counts_the_managers_group_as_managers():
    member = UserFactory(username="grouped")
    member.groups.add(Group.objects.create(name=access.MANAGERS_GROUP))

    assert access.is_manager(member)


def test_it_lets_admins_see_every_division(two_divisions):
    admin = UserFactory(username="root", is_superuser=True)

    assert access.divisions_of(admin) is None
    assert access.is_admin(admin)
    assert access.is_manager(admin)
    assert access.may_see_division(admin, two_divisions[2].pk)


def test_it_gives_anonymous_and_inactive_users_nothing(two_divisions):
    market, team, _finance = two_divisions
    retired = UserFactory(username="retired", is_active=False, is_superuser=True)
    team.members.add(retired)

    for user in (AnonymousUser(), retired):
        assert access.divisions_of(user) == set()
        assert not access.is_manager(user)
        assert not access.is_admin(user)
        assert not access.may_see_division(user, market.pk)


def test_within_a_page_the_divisions_and_heads_or_manages_are_one_query(
    two_divisions, django_assert_num_queries
):
    market, team, finance = two_divisions
    clerk = UserFactory(username="clerk-in-two")
    team.members.add(clerk)
    TeamFactory(code="finance-team", division=finance).members.add(clerk)
    head = finance.head or UserFactory(username="finance-head")
    finance.head = head
    finance.save()

    with access.access_remembered(team.manager), django_assert_num_queries(1):
        assert access.divisions_of(team.manager) == {market.pk}
        assert access.is_manager(team.manager)
    with access.access_remembered(head), django_assert_num_queries(1):
        assert access.is_manager(head)
        assert access.divisions_of(head) == {finance.pk}
    # A member of teams managed by others is no manager (then the groups are read too).
    with access.access_remembered(clerk), django_assert_num_queries(2):
        assert access.divisions_of(clerk) == {market.pk, finance.pk}
        assert not access.is_manager(clerk)
